// Every ```ts / ```js / ```sh block of README.md is a test, named by its heading and place:
// - TypeScript is type-checked strictly (strict + exactOptionalPropertyTypes) against the package's
//   own declared types, resolved through package.json `exports` (so build first: npm test does);
//   Deno examples (`Deno.`, `npm:`/`jsr:` imports) are checked by `deno check`.
// - Every JS/TS block is run against the local STS, https://*.amazonaws.com routed to it: in Node
//   (global fetch replaced), in Deno for Deno examples, in workerd (Miniflare, outbound service) for
//   Workers examples, whose handler is called once and must answer 2xx.
// - Shell blocks that run the CLI (`edge-sts`, `npx edge-sts`, `bunx edge-sts`, `deno … npm:edge-sts`)
//   run under bash against the built CLI, with AWS_ENDPOINT_URL_STS naming the local STS.
// A block preceded by `<!-- readme: typecheck-only -->` is not run, by `<!-- readme: skip (why) -->`
// not tested at all (the reason names the skipped test).
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { transform } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blockName, extractBlocks, parseDirective, type CodeBlock } from './readme/blocks.ts'
import { README_USER, startLocalAws } from './readme/local-aws.ts'
import { createSandbox, registrySpecifiers, resolveExport, type Sandbox } from './readme/sandbox.ts'
import { isWorkersExample, runInWorkerd } from './readme/workerd.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const markdown = readFileSync(join(root, 'README.md'), 'utf8')
const blocks = extractBlocks(markdown)
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const run = promisify(execFile)
const CHILD_TIMEOUT_MS = 30_000
// A test spawns one child at most (or builds the one TypeScript program): room for a loaded machine.
const TEST_TIMEOUT_MS = 60_000

/**
 * Blocks that fail today for a defect another change fixes. `it.fails` keeps the list honest: once
 * such a block works its test fails, and the entry must go (so must one that names no block).
 */
const KNOWN_BROKEN: Record<string, string> = {}

const isDenoExample = (code: string) => /\bDeno\./.test(code) || registrySpecifiers(code).length > 0
const CLI_COMMAND =
  /(^|[\s"'`(;|&])(edge-sts\s|(npx|bunx)\s+(-y\s+|--yes\s+)?edge-sts\b|npm:edge-sts\b)/m
const withoutComments = (script: string) =>
  script
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n')

let aws: Awaited<ReturnType<typeof startLocalAws>>
let sandbox: Sandbox
let binDir: string

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'index.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)')
  aws = await startLocalAws(markdown)
  sandbox = createSandbox(root)
  binDir = join(sandbox.dir, 'bin')
  writeShims(binDir)
  writeAwsFiles(join(sandbox.dir, '.aws'))
})
afterAll(async () => {
  await aws?.close()
  sandbox?.remove()
})

// The commands a CLI example may name, each running the build output; `npm` and unknown `npx`
// packages refuse, so no example installs or downloads anything.
function writeShims(dir: string) {
  mkdirSync(dir)
  const binField = packageJson.bin
  const cli = join(root, typeof binField === 'string' ? binField : binField['edge-sts'])
  const denoBin = join(root, 'node_modules', '.bin', 'deno')
  const bunBin = join(root, 'node_modules', '.bin', 'bun')
  const dropYes = 'while [ "$1" = -y ] || [ "$1" = --yes ]; do shift; done'
  const onlyEdgeSts = (tool: string) =>
    `[ "$1" = edge-sts ] || { echo "offline README test: $1 is not available to ${tool}" >&2; exit 127; }; shift`
  const shims: Record<string, string> = {
    'edge-sts': `exec "${process.execPath}" "${cli}" "$@"`,
    npx: `${dropYes}\n${onlyEdgeSts('npx')}\nexec "${process.execPath}" "${cli}" "$@"`,
    bunx: `${dropYes}\n${onlyEdgeSts('bunx')}\nexec "${bunBin}" "${cli}" "$@"`,
    deno: `for a in "$@"; do shift; case "$a" in npm:edge-sts|npm:edge-sts@*) set -- "$@" "${cli}";; *) set -- "$@" "$a";; esac; done\nexec "${denoBin}" "$@"`,
    npm: 'echo "offline README test: npm is not run; mark the block <!-- readme: skip (…) -->" >&2; exit 127',
  }
  for (const [name, body] of Object.entries(shims)) {
    writeFileSync(join(dir, name), `#!/usr/bin/env bash\n${body}\n`)
    chmodSync(join(dir, name), 0o755)
  }
}

// The shared AWS files of the examples' home: the README user as the default profile, so examples
// of file-based credential sources find what a configured machine has.
function writeAwsFiles(dir: string) {
  mkdirSync(dir)
  writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\n')
  const credentials = `[default]\naws_access_key_id = ${README_USER.accessKeyId}\naws_secret_access_key = ${README_USER.secretAccessKey}\n`
  writeFileSync(join(dir, 'credentials'), credentials, { mode: 0o600 })
}

// The environment of every example: the README user's keys, a region, the demo role, a home of
// their own (with the AWS files above), and nothing inherited that could reach real credentials.
const exampleEnv = (extra: Record<string, string> = {}) => ({
  PATH: `${binDir}:${process.env.PATH}`,
  HOME: sandbox.dir,
  AWS_ACCESS_KEY_ID: README_USER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: README_USER.secretAccessKey,
  AWS_REGION: 'us-east-1',
  ROLE_ARN: 'arn:aws:iam::123456789012:role/demo',
  README_LOCAL_URL: aws.url,
  // What reads the standard endpoint variables (the AWS SDK and CLI, the edge-sts CLI) stays local.
  AWS_ENDPOINT_URL: aws.url,
  AWS_ENDPOINT_URL_STS: aws.url,
  DENO_NO_UPDATE_CHECK: '1',
  DENO_DIR: join(sandbox.dir, '.deno'),
  NO_COLOR: '1',
  ...extra,
})

const runChild = async (file: string, args: string[], env: Record<string, string>) => {
  try {
    await run(file, args, {
      cwd: sandbox.dir,
      env,
      timeout: CHILD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    })
  } catch (error) {
    const failure = error as { code?: unknown; signal?: unknown; stdout?: string; stderr?: string }
    const how = failure.signal ? `killed (${failure.signal}, ${CHILD_TIMEOUT_MS} ms)` : failure.code
    throw new Error(`exit ${how}\n${failure.stderr ?? ''}${failure.stdout ?? ''}`.trim())
  }
}

const fileOf = (block: CodeBlock, extension: string) =>
  join(sandbox.dir, `readme-${block.line}.${extension}`)

// One strict program for all non-Deno TypeScript examples, built on first use. It also checks a
// file with a known type error, so the harness's test of its own type check needs no second program.
const TYPE_ERROR_SAMPLE = `import { assumeRole } from 'edge-sts'\nawait assumeRole({ RoleArn: 1 }, {})\n`
const typeErrorSampleFile = () => join(sandbox.dir, 'harness-type-error.ts')
let nodeTypeErrors: Map<string, string[]> | undefined
const typeErrorsOfFile = (file: string) => {
  if (!nodeTypeErrors) {
    const files = blocks
      .filter((each) => each.language === 'ts' && !isDenoExample(each.code))
      .map((each) => {
        writeFileSync(fileOf(each, 'ts'), each.code)
        return fileOf(each, 'ts')
      })
    writeFileSync(typeErrorSampleFile(), TYPE_ERROR_SAMPLE)
    nodeTypeErrors = sandbox.typecheck([...files, typeErrorSampleFile()])
  }
  return nodeTypeErrors.get(file) ?? []
}

const denoConfigs = () =>
  sandbox.denoConfigs(blocks.filter((each) => isDenoExample(each.code)).map((each) => each.code))

async function typecheck(block: CodeBlock) {
  if (!isDenoExample(block.code)) {
    expect(typeErrorsOfFile(fileOf(block, 'ts')), 'type errors').toEqual([])
    return
  }
  const file = fileOf(block, 'ts')
  writeFileSync(file, block.code)
  await runChild(
    join(binDir, 'deno'),
    ['check', '--quiet', `--config=${denoConfigs().check}`, file],
    exampleEnv(),
  )
}

async function parse(block: CodeBlock) {
  if (block.language === 'sh') {
    const file = fileOf(block, 'sh')
    writeFileSync(file, block.code)
    await runChild('bash', ['-n', file], exampleEnv())
    return
  }
  await transform(block.code, { loader: 'js', format: 'esm', target: 'es2022' })
}

async function runExample(block: CodeBlock) {
  const runner = join(root, 'test', 'readme', 'run-block.mjs')
  if (block.language === 'sh') {
    const file = fileOf(block, 'sh')
    writeFileSync(file, `set -eo pipefail\n${block.code}`)
    await runChild('bash', [file], exampleEnv())
    return
  }
  if (isWorkersExample(block.code)) {
    const bindings = {
      ROLE_ARN: exampleEnv().ROLE_ARN,
      AWS_ACCESS_KEY_ID: README_USER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: README_USER.secretAccessKey,
      AWS_REGION: 'us-east-1',
    }
    await runInWorkerd(block.code, { resolveDir: sandbox.dir, localUrl: aws.url, bindings })
    return
  }
  if (isDenoExample(block.code)) {
    const file = fileOf(block, block.language)
    writeFileSync(file, block.code)
    const permissions = [
      '--allow-net=127.0.0.1',
      '--allow-env',
      `--allow-read=${sandbox.dir},${root}`,
    ]
    const args = ['run', '--quiet', `--config=${denoConfigs().run}`, ...permissions, runner, file]
    await runChild(join(binDir, 'deno'), args, exampleEnv())
    return
  }
  const javascript =
    block.language === 'ts'
      ? (await transform(block.code, { loader: 'ts', format: 'esm', target: 'es2022' })).code
      : block.code
  // A CommonJS example (require, no import) runs as .cjs, through the `require` condition.
  const isCommonJs = /\brequire\(/.test(javascript) && !/^\s*(import|export)\s/m.test(javascript)
  const file = fileOf(block, isCommonJs ? 'cjs' : 'mjs')
  writeFileSync(file, javascript)
  await runChild(process.execPath, [runner, file], exampleEnv())
}

describe('README code blocks', () => {
  it('has blocks to test', () => {
    expect(blocks.length).toBeGreaterThan(3)
  })
  it('every known-broken entry names a block', () => {
    const names = blocks.map((block) => `${block.heading} #${block.index}`)
    for (const name of Object.keys(KNOWN_BROKEN)) expect(names).toContain(name)
  })

  for (const block of blocks) {
    describe(blockName(block), () => {
      const directive = block.directive
      if (directive.kind === 'skip') {
        it.skip(`skipped: ${directive.reason}`, () => {})
        return
      }
      if (directive.kind === 'invalid') {
        it('has a known readme directive', () => {
          throw new Error(
            `unknown directive "<!-- readme: ${directive.text} -->": use typecheck-only or skip (reason)`,
          )
        })
        return
      }
      const broken = KNOWN_BROKEN[`${block.heading} #${block.index}`]
      const test = broken ? it.fails : it
      const note = broken ? ` (known broken: ${broken})` : ''
      if (block.language === 'ts')
        test(`type-checks${note}`, () => typecheck(block), TEST_TIMEOUT_MS)
      // JavaScript and shell have no type check: a block not run is at least parsed.
      if (block.language !== 'ts' && directive.kind === 'typecheck-only')
        it('parses (typecheck-only)', () => parse(block))
      if (directive.kind === 'typecheck-only') return
      if (block.language === 'sh' && !CLI_COMMAND.test(withoutComments(block.code))) {
        it.skip('skipped: a shell block without an edge-sts command', () => {})
        return
      }
      test(`runs${note}`, () => runExample(block), TEST_TIMEOUT_MS)
    })
  }
})

describe('the README harness itself', { timeout: TEST_TIMEOUT_MS }, () => {
  const sample = (line: number, language: CodeBlock['language'], code: string): CodeBlock => ({
    heading: 'harness sample',
    index: 1,
    line,
    language,
    code,
    directive: { kind: 'run' },
  })

  it('runs a CommonJS example through the require condition', async () => {
    const code = `const { getCallerIdentity } = require('edge-sts')\ngetCallerIdentity({ credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }, region: 'eu-west-1' }).then((id) => { if (!id.Arn.endsWith('user/readme')) process.exit(3) })\n`
    await runExample(sample(90001, 'js', code))
    expect(aws.sts.state.requests.at(-1)!.headers.host).toBe('sts.eu-west-1.amazonaws.com')
  })

  it('lets an example use the dev dependencies (aws4fetch, through the routed fetch)', async () => {
    const code = `import { AwsClient } from 'aws4fetch'\nconst aws = new AwsClient({ accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! })\nconst res = await aws.fetch('https://sts.us-east-1.amazonaws.com/', { method: 'POST', body: 'Action=GetCallerIdentity&Version=2011-06-15' })\nif (!res.ok) throw new Error(await res.text())\n`
    await runExample(sample(90008, 'ts', code))
    expect(aws.sts.state.requests.at(-1)!.params.Action).toBe('GetCallerIdentity')
  })

  it('runs a Workers example in workerd and fails one that answers an error', async () => {
    const worker = (status: number) =>
      `import { getCallerIdentity } from 'edge-sts'\nexport default {\n  async fetch(request: Request, env: Env): Promise<Response> {\n    const id = await getCallerIdentity({ credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }, region: 'ap-south-1' })\n    return new Response(id.Arn, { status: ${status} })\n  },\n}\n`
    await runExample(sample(90009, 'ts', worker(200)))
    expect(aws.sts.state.requests.at(-1)!.headers.host).toBe('sts.ap-south-1.amazonaws.com')
    await expect(runExample(sample(90010, 'ts', worker(500)))).rejects.toThrow(
      /the Worker answered 500: arn:aws:iam::123456789012:user\/readme/,
    )
  })

  it('fails an example that throws (late too), that leaves AWS, or whose call STS refuses', async () => {
    await expect(runExample(sample(90002, 'js', 'throw new Error("broken")\n'))).rejects.toThrow(
      /broken/,
    )
    const late = 'setTimeout(() => Promise.reject(new Error("late")), 10)\n'
    await expect(runExample(sample(90007, 'js', late))).rejects.toThrow(/late/)
    await expect(
      runExample(sample(90003, 'js', 'await fetch("https://example.com/")\n')),
    ).rejects.toThrow(/offline README test: example.com is not reachable/)
    const denied = `import { assumeRole } from 'edge-sts'\nawait assumeRole({ RoleArn: 'arn:aws:iam::123456789012:role/locked', RoleSessionName: 'x1' }, { credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! }, region: 'us-east-1' })\n`
    await expect(runExample(sample(90004, 'ts', denied))).rejects.toThrow(/AccessDenied/)
  })

  it('fails a CLI block that fails or runs anything but the CLI', async () => {
    const bad = 'edge-sts assume-role --role-arn arn:aws:iam::123456789012:role/locked\n'
    await expect(runExample(sample(90005, 'sh', bad))).rejects.toThrow(/AccessDenied/)
    await expect(runExample(sample(90006, 'sh', 'npm install\n'))).rejects.toThrow(/npm is not run/)
  })

  it('parses JavaScript and shell blocks that are not run', async () => {
    await parse(sample(90011, 'js', 'await run(1)\n'))
    await expect(parse(sample(90012, 'js', 'await run(1\n'))).rejects.toThrow(/Expected/)
    await expect(parse(sample(90013, 'sh', 'if true; then\n'))).rejects.toThrow(/syntax error/)
  })

  it('reports the type errors of a TypeScript example', () => {
    expect(typeErrorsOfFile(typeErrorSampleFile()).join('\n')).toMatch(/line 2: TS2/)
  })

  it('reads headings, places, languages, indented fences and directives', () => {
    const sample = [
      '# Title',
      '```ts',
      'one()',
      '```',
      '## Part `two`',
      '<!-- readme: typecheck-only -->',
      '```js',
      'two()',
      '```',
      '- item:',
      '',
      '  ```sh',
      '  edge-sts get-caller-identity',
      '  ```',
      '<!-- readme: skip (needs a browser) -->',
      '',
      '```ini',
      'ignored = yes',
      '```',
      '```typescript',
      'three()',
      '```',
    ].join('\n')
    const found = extractBlocks(sample)
    expect(
      found.map(({ heading, index, line, language }) => [heading, index, line, language]),
    ).toEqual([
      ['Title', 1, 2, 'ts'],
      ['Part two', 1, 7, 'js'],
      ['Part two', 2, 12, 'sh'],
      ['Part two', 3, 20, 'ts'],
    ])
    expect(found[0]!.code).toBe('one()\n')
    expect(found[1]!.directive).toEqual({ kind: 'typecheck-only' })
    expect(found[2]!.code).toBe('edge-sts get-caller-identity\n')
    // A directive belongs to the next fence only, even one the harness ignores (the ini block).
    expect(found[3]!.directive).toEqual({ kind: 'run' })
  })

  it('parses the directives and rejects unknown ones', () => {
    expect(parseDirective('skip (needs the internet)')).toEqual({
      kind: 'skip',
      reason: 'needs the internet',
    })
    expect(parseDirective('typecheck-only')).toEqual({ kind: 'typecheck-only' })
    expect(parseDirective('typecheck-only (reads from S3)')).toEqual({ kind: 'typecheck-only' })
    expect(parseDirective('typecheck')).toEqual({ kind: 'invalid', text: 'typecheck' })
    expect(parseDirective('skip')).toEqual({ kind: 'invalid', text: 'skip' })
  })

  it('resolves entries through conditional exports, in the map order', () => {
    const manifest = {
      name: 'edge-sts',
      exports: {
        '.': {
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
        './node': { types: './dist/node.d.ts', default: './dist/node.js' },
      },
    }
    expect(resolveExport(manifest, '.', ['deno', 'import', 'default'])).toBe('./dist/index.js')
    expect(resolveExport(manifest, '.', ['types', 'import', 'default'])).toBe('./dist/index.d.ts')
    expect(resolveExport(manifest, './node', ['types', 'import', 'default'])).toBe(
      './dist/node.d.ts',
    )
    expect(resolveExport(manifest, './testing', ['import', 'default'])).toBeUndefined()
    expect(resolveExport({ name: 'x', exports: './mod.ts' }, '.', ['import'])).toBe('./mod.ts')
  })

  it('finds the registry specifiers a Deno example imports', () => {
    const code = `import { a } from 'npm:edge-sts'\nimport { b } from "jsr:@scope/edge-sts@^0.1/node"\n`
    expect(registrySpecifiers(code)).toEqual(['npm:edge-sts', 'jsr:@scope/edge-sts@^0.1/node'])
  })

  it('routes only CLI shell blocks to bash', () => {
    expect(CLI_COMMAND.test(withoutComments('npm run demo   # drives the `edge-sts` CLI\n'))).toBe(
      false,
    )
    expect(CLI_COMMAND.test('npx edge-sts get-caller-identity\n')).toBe(true)
    expect(CLI_COMMAND.test('eval "$(edge-sts assume-role --format env)"\n')).toBe(true)
    expect(CLI_COMMAND.test('deno run --allow-net npm:edge-sts get-caller-identity\n')).toBe(true)
  })
})
