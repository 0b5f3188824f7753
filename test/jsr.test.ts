// Publish-readiness for JSR: jsr.json agrees with package.json (version, licence, entries) and points
// at the TypeScript sources, and `deno publish --dry-run` passes offline — which also proves there
// are no slow types (exported declarations without explicit types) in any entry's module graph.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const jsr = JSON.parse(readFileSync(`${root}jsr.json`, 'utf8'))
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))

describe('jsr.json', () => {
  it('has a scoped name, the version and the licence of package.json', () => {
    expect(jsr.name).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/)
    expect(jsr.version).toBe(pkg.version)
    expect(jsr.license).toBe(pkg.license)
  })

  it('exports the TypeScript source of every entry package.json exports', () => {
    const npmEntries = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json')
    expect(Object.keys(jsr.exports).sort()).toEqual(npmEntries.sort())
    expect(jsr.exports['.']).toBe('./src/index.ts')
    expect(jsr.exports['./testing']).toBe('./src/testing/index.ts')
    for (const file of Object.values(jsr.exports) as string[]) {
      expect(file).toMatch(/^\.\/src\/.+\.ts$/)
      expect(existsSync(`${root}${file}`), file).toBe(true)
    }
  })

  it('publishes the sources, README and licence; not the CLI, whose import of ./index.js only the npm build resolves', () => {
    expect(jsr.publish.include).toEqual(
      expect.arrayContaining(['src/**/*.ts', 'README.md', 'LICENSE']),
    )
    expect(jsr.publish.exclude).toEqual(expect.arrayContaining(['src/bin.ts', 'src/cli.ts']))
  })
})

describe('deno publish --dry-run', () => {
  it(
    'passes offline, with no slow types, and packs only the files meant for JSR',
    { timeout: 180_000 },
    async () => {
      const { stdout, stderr } = await promisify(execFile)(
        `${root}node_modules/.bin/deno`,
        // --allow-dirty: the check also runs on a working tree with uncommitted changes.
        ['publish', '--dry-run', '--allow-dirty', '--config', 'jsr.json'],
        {
          cwd: root,
          timeout: 180_000,
          killSignal: 'SIGKILL',
          // Offline: any request Deno tried would go to a proxy that refuses it.
          env: {
            ...process.env,
            DENO_NO_UPDATE_CHECK: '1',
            NO_COLOR: '1',
            HTTPS_PROXY: 'http://127.0.0.1:9',
            HTTP_PROXY: 'http://127.0.0.1:9',
          },
        },
      )
      const output = stdout + stderr
      expect(output).toContain('Success Dry run complete')
      expect(output).not.toMatch(/missing-explicit|error\[|warning\[/)
      // The files it would upload, one `file:///…/path (size)` line each, relative to the root.
      const files = [...output.matchAll(/file:\/\/(\S+) \(/g)].map(([, path]) =>
        path!.slice(root.length),
      )
      expect(files).toEqual(
        expect.arrayContaining(['src/index.ts', 'src/testing/index.ts', 'README.md', 'LICENSE']),
      )
      expect(files.filter((file) => /^src\/(bin|cli)\b|^test\/|node_modules/.test(file))).toEqual(
        [],
      )
    },
  )
})
