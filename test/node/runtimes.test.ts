// fromIni with a role chain and fromProcess (a real subprocess) through the built edge-sts/node
// entry under Node, Deno and Bun, with real files in a temporary HOME and the local STS on
// 127.0.0.1. A runtime that cannot start fails its test: nothing is skipped silently.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ACCOUNT, USERS } from '../local-sts/handler.ts'
import { startLocalSts } from '../local-sts/node.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bin = (name: string) => `${root}node_modules/.bin/${name}`
const alice = USERS[0]!
let sts: Awaited<ReturnType<typeof startLocalSts>>
let home: string

beforeAll(async () => {
  if (!existsSync(`${root}dist/node.js`))
    throw new Error('dist/node.js is missing: run `npm run build` first (npm test does)')
  sts = await startLocalSts()
  home = mkdtempSync(join(tmpdir(), 'runtime-home-'))
  mkdirSync(join(home, '.aws'))
  const processOutput = JSON.stringify({
    Version: 1,
    AccessKeyId: 'AKIDFROMPROCESS',
    SecretAccessKey: 'process/Secret',
    SessionToken: 'process-token',
    Expiration: '2999-01-01T00:00:00Z',
  })
  writeFileSync(
    join(home, '.aws', 'config'),
    [
      '[profile demo]',
      `role_arn = arn:aws:iam::${ACCOUNT}:role/demo`,
      'source_profile = base',
      'role_session_name = rt-demo',
      '[profile chained]',
      `role_arn = arn:aws:iam::${ACCOUNT}:role/chained`,
      'source_profile = demo',
      'role_session_name = rt-chained',
      '[profile tool]',
      `credential_process = echo '${processOutput}'`,
      `aws_account_id = ${ACCOUNT}`,
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[base]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  )
})
afterAll(() => sts?.close())
beforeEach(() => sts.sts.reset())

const run = async (runtime: string, file: string, args: string[]) => {
  const { stdout } = await promisify(execFile)(
    file,
    [
      ...args,
      `${root}test/runtimes/credentials.mjs`,
      JSON.stringify({ runtime, home, url: sts.url }),
    ],
    {
      cwd: root,
      timeout: 60_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    },
  ).catch((e) => {
    throw new Error(`${runtime} could not run: ${e.message}\n${e.stderr ?? ''}`)
  })
  return JSON.parse(stdout.trim().split('\n').pop()!)
}

const check = (result: any, runtime: string) => {
  expect(result.runtime).toBe(runtime)
  expect(result.ini, JSON.stringify(result.ini)).toMatchObject({
    hasSecret: true,
    hasToken: true,
    expirationIsDate: true,
    accountId: ACCOUNT,
  })
  expect(result.ini.accessKeyId).toMatch(/^ASIA/)
  // Two hops: alice's keys → demo, then demo's session → chained (signed with its token).
  const hops = sts.sts.state.requests.map((request) => new URLSearchParams(request.body))
  expect(hops.map((form) => form.get('RoleSessionName'))).toEqual(['rt-demo', 'rt-chained'])
  expect(sts.sts.state.requests[1]!.headers['x-amz-security-token']).toBeTruthy()
  const processCredentials = {
    accessKeyId: 'AKIDFROMPROCESS',
    hasSecret: true,
    hasToken: true,
    expirationIsDate: true,
    accountId: ACCOUNT,
  }
  expect(result.process).toEqual(processCredentials)
  expect(result.chain).toEqual(processCredentials)
}

describe('profiles through the built edge-sts/node on every runtime', () => {
  it('Node', async () => check(await run('node', process.execPath, []), 'node'))

  it('Deno (network to 127.0.0.1 only)', async () =>
    check(
      await run('deno', bin('deno'), [
        'run',
        '--no-prompt',
        '--allow-net=127.0.0.1',
        `--allow-read=${root},${tmpdir()}`,
        '--allow-env',
        '--allow-run',
        '--allow-sys',
      ]),
      'deno',
    ))

  it('Bun', async () => check(await run('bun', bin('bun'), []), 'bun'))
})
