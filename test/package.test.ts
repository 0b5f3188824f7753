// What would be published: the tarball's files, publint and are-the-types-wrong on `npm pack` output,
// the edge entry free of Node built-ins, and the size budget.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = (file: string, args: string[]) =>
  promisify(execFile)(file, args, { cwd: root, timeout: 120_000, killSignal: 'SIGKILL' })

describe('the published package', () => {
  it('packs only dist/, README.md, LICENSE and package.json', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'])
    const files = (JSON.parse(stdout)[0].files as { path: string }[]).map((f) => f.path).sort()
    expect(files).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli.js',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/node.cjs',
      'dist/node.d.cts',
      'dist/node.d.ts',
      'dist/node.js',
      'dist/testing.cjs',
      'dist/testing.d.cts',
      'dist/testing.d.ts',
      'dist/testing.js',
      'package.json',
    ])
  })

  it('has an edge-sts bin: an executable script that loads the library build instead of a second copy', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
    expect(pkg.bin).toEqual({ 'edge-sts': './dist/cli.js' })
    const cli = readFileSync(`${root}dist/cli.js`, 'utf8')
    expect(cli.startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(cli).toMatch(/from\s*"\.\/index\.js"/)
    expect(cli).not.toMatch(/AWS4-HMAC-SHA256|crypto\.subtle/)
    // Deno resolves Node built-ins only with the node: prefix.
    expect(cli).not.toMatch(/from\s*"(process|fs|util)"/)
  })

  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
    expect(pkg.dependencies ?? {}).toEqual({})
    expect(pkg.sideEffects).toBe(false)
  })

  it('passes publint --strict', async () => {
    const { stdout } = await run(`${root}node_modules/.bin/publint`, ['--strict'])
    expect(stdout).toContain('All good')
  })

  it('passes are-the-types-wrong', async () => {
    const { stdout } = await run(`${root}node_modules/.bin/attw`, [
      '--pack',
      '.',
      '--format',
      'json',
    ])
    const report = JSON.parse(stdout)
    expect(report.analysis.problems).toEqual([])
    expect(Object.keys(report.problems)).toEqual([])
  })

  it('ships web-standard code only: no node: import, require or Buffer in the bundle', () => {
    for (const f of ['dist/index.js', 'dist/index.cjs']) {
      const code = readFileSync(`${root}${f}`, 'utf8')
      expect(code).not.toMatch(/\bfrom\s*["']node:|require\(["']node:|\bBuffer\b|\bprocess\./)
    }
  })

  it('keeps `import { assumeRole }` within the regression budget', async () => {
    const { stdout } = await run(process.execPath, [`${root}bench/size.mjs`, '--json'])
    const { BUDGET } = await import('../bench/size.mjs')
    const sizes = JSON.parse(stdout)
    expect(sizes['import { assumeRole }'].gzip).toBeLessThanOrEqual(BUDGET)
    // Tree-shaking: the other operations, providers and the presigner are not paid for by assumeRole
    // users, and the signer alone carries no STS code.
    expect(sizes['import { assumeRole }'].raw).toBeLessThan(
      sizes['import * (whole package)'].raw - 3000,
    )
    expect(sizes['import { signRequest }'].gzip).toBeLessThan(2300)
  })
})

describe('the two entries', () => {
  it('builds the edge entry from src/ without a single module of src/node (esbuild metafile)', async () => {
    const { build } = await import('esbuild')
    const result = await build({
      entryPoints: [`${root}src/index.ts`],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      logLevel: 'silent',
      absWorkingDir: root,
    })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.length).toBeGreaterThan(5)
    expect(inputs.filter((input) => !/^src\/[a-z0-9-]+\.ts$/.test(input))).toEqual([])
    expect(inputs.filter((input) => input.startsWith('src/node/'))).toEqual([])
  })

  it('ships no file-system code in the edge bundle', () => {
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts']) {
      const code = readFileSync(`${root}${f}`, 'utf8')
      expect(code).not.toMatch(
        /node:|AWS_CONTAINER_CREDENTIALS|CredentialsError|fromNodeProviderChain/,
      )
    }
  })

  it('exports ./node (types first) and its build loads the edge build instead of a second copy', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
    expect(pkg.exports['./node']).toEqual({
      import: { types: './dist/node.d.ts', default: './dist/node.js' },
      require: { types: './dist/node.d.cts', default: './dist/node.cjs' },
    })
    const esm = readFileSync(`${root}dist/node.js`, 'utf8')
    const cjs = readFileSync(`${root}dist/node.cjs`, 'utf8')
    expect(esm).toMatch(/from\s*"\.\/index\.js"/)
    expect(cjs).toMatch(/require\("\.\/index\.cjs"\)/)
    for (const code of [esm, cjs]) {
      // The signer and the STS client live in the edge build only.
      expect(code).not.toMatch(/AWS4-HMAC-SHA256|aws4_request/)
      // Deno resolves Node built-ins only with the node: prefix.
      expect(code).not.toMatch(
        /from\s*"(fs|os|path|child_process)(\/promises)?"|require\("(fs|os|path)"\)/,
      )
    }
  })

  it('shares one EdgeStsError class between the entries (ESM and CJS)', async () => {
    const edge = await import(`${root}dist/index.js`)
    const node = await import(`${root}dist/node.js`)
    const error = new node.CredentialsError('CredentialsNotFound', 'test')
    expect(error).toBeInstanceOf(edge.EdgeStsError)
    expect(node.EdgeStsError).toBe(edge.EdgeStsError)
    const { createRequire } = await import('node:module')
    const require = createRequire(import.meta.url)
    const edgeCjs = require(`${root}dist/index.cjs`)
    const nodeCjs = require(`${root}dist/node.cjs`)
    expect(new nodeCjs.CredentialsError('CredentialsNotFound', 'test')).toBeInstanceOf(
      edgeCjs.EdgeStsError,
    )
    expect(typeof nodeCjs.fromNodeProviderChain).toBe('function')
  })
})

describe('the testing entry (edge-sts/testing)', () => {
  it('is exported types first, for import and require', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
    expect(pkg.exports['./testing']).toEqual({
      import: { types: './dist/testing.d.ts', default: './dist/testing.js' },
      require: { types: './dist/testing.d.cts', default: './dist/testing.cjs' },
    })
  })

  it('never reaches the edge entry: no module of src/testing in its build, none of its code in `import { assumeRole }`', async () => {
    const { build } = await import('esbuild')
    const edge = await build({
      entryPoints: [`${root}src/index.ts`],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      logLevel: 'silent',
      absWorkingDir: root,
    })
    const inputs = Object.keys(edge.metafile.inputs)
    expect(inputs.length).toBeGreaterThan(5)
    expect(inputs.filter((input) => input.startsWith('src/testing/'))).toEqual([])
    const assumeRoleOnly = await build({
      stdin: { contents: `export { assumeRole } from './dist/index.js'`, resolveDir: root },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      logLevel: 'silent',
    })
    const code = assumeRoleOnly.outputFiles[0]!.text
    expect(code).toContain('AssumeRole')
    // Strings only the local STS has: its example key, its scope check, its CORS headers.
    for (const marker of [
      'createLocalSts',
      'AKIAALICEEXAMPLE0001',
      'Credential should be scoped',
      'access-control-allow-origin',
    ])
      expect(code).not.toContain(marker)
    for (const file of ['dist/index.js', 'dist/index.cjs'])
      expect(readFileSync(`${root}${file}`, 'utf8')).not.toMatch(/testing|createLocalSts/)
  })

  it('ships web-standard code only (it runs in Workers too)', () => {
    for (const file of ['dist/testing.js', 'dist/testing.cjs']) {
      const code = readFileSync(`${root}${file}`, 'utf8')
      expect(code).not.toMatch(/\bfrom\s*["']node:|require\(["']node:|\bBuffer\b|\bprocess\./)
    }
  })

  it('works from the built files, ESM and CJS: assumeRole with `fetch: sts.fetch`, no network', async () => {
    const { createRequire } = await import('node:module')
    const require = createRequire(import.meta.url)
    const builds = [
      [await import(`${root}dist/index.js`), await import(`${root}dist/testing.js`)],
      [require(`${root}dist/index.cjs`), require(`${root}dist/testing.cjs`)],
    ]
    for (const [edge, testing] of builds) {
      const sts = testing.createLocalSts()
      const [alice] = testing.EXAMPLE_USERS
      const out = await edge.assumeRole(
        { RoleArn: `arn:aws:iam::${testing.EXAMPLE_ACCOUNT}:role/demo`, RoleSessionName: 'pkg' },
        {
          region: 'us-east-1',
          credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
          fetch: sts.fetch,
        },
      )
      expect(out.AssumedRoleUser.Arn).toBe(
        `arn:aws:sts::${testing.EXAMPLE_ACCOUNT}:assumed-role/demo/pkg`,
      )
      expect(sts.requests).toHaveLength(1)
      expect(new URL(sts.requests[0].url).hostname).toBe('sts.us-east-1.amazonaws.com')
    }
  })
})
