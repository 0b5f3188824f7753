import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
  },
  {
    // The file-system entry (edge-sts/node). Its imports of the edge modules resolve to the edge
    // entry's own build: one copy of the client, and one EdgeStsError class for both entries.
    entry: { node: 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { types: ['node'] } },
    target: 'node18',
    platform: 'node',
    // Deno resolves Node built-ins only with the `node:` prefix.
    removeNodeProtocol: false,
    esbuildPlugins: [
      {
        name: 'edge-entry-external',
        setup(build) {
          const edgeEntry = build.initialOptions.format == 'cjs' ? './index.cjs' : './index.js'
          build.onResolve({ filter: /^\.\.\/[a-z-]+\.ts$/ }, (args) =>
            /[\\/]src[\\/]node$/.test(args.resolveDir)
              ? { path: edgeEntry, external: true }
              : undefined,
          )
        },
      },
    ],
  },
  {
    // The local STS for users' tests (edge-sts/testing): web-standard, self-contained (it uses
    // signer internals the edge entry does not export), and never reachable from the edge entry.
    entry: { testing: 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
  },
  {
    // The CLI imports the library's own ESM build instead of bundling a second copy of it.
    entry: { cli: 'src/bin.ts' },
    format: ['esm'],
    target: 'node18',
    platform: 'node',
    // Deno resolves Node built-ins only with the `node:` prefix.
    removeNodeProtocol: false,
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [
      {
        name: 'library-external',
        setup(build) {
          // './index.js' from src/, '../index.js' from src/cli/: both are dist/index.js.
          build.onResolve({ filter: /^\.\.?\/index\.js$/ }, () => ({
            path: './index.js',
            external: true,
          }))
          // The file-system entry, from src/cli/: dist/node.js.
          build.onResolve({ filter: /^\.\.\/node\/index\.js$/ }, () => ({
            path: './node.js',
            external: true,
          }))
        },
      },
    ],
  },
])
