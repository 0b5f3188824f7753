// One scenario (test/runtimes/scenario.mjs, importing the built dist/index.js) run in Node, workerd
// (Miniflare), Deno (network to 127.0.0.1 only) and Bun against local STS servers over loopback.
// A runtime that cannot start fails its test: nothing is skipped silently.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name: string) => `${root}node_modules/.bin/${name}`
const run = promisify(execFile)
type Server = Awaited<ReturnType<typeof startLocalSts>>
let main: Server, throttle: Server, drip: Server, slow: Server

beforeAll(async () => {
  if (!existsSync(`${root}dist/index.js`))
    throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)')
  ;[main, throttle, drip, slow] = await Promise.all([
    startLocalSts(),
    startLocalSts(),
    startLocalSts(),
    startLocalSts(),
  ])
})
afterAll(() => Promise.all([main, throttle, drip, slow].map((s) => s?.close())))
beforeEach(() => {
  for (const s of [main, throttle, drip, slow]) s.sts.reset()
  throttle.sts.faults = { throttle: 2 }
  drip.sts.faults = { chunkSize: 1 }
  slow.sts.faults = { delayMs: 5000 }
})

const alice = USERS[0]!
const config = (runtime: string) => ({
  runtime,
  url: main.url,
  throttleUrl: throttle.url,
  dripUrl: drip.url,
  slowUrl: slow.url,
  credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
  roleArn: `arn:aws:iam::${ACCOUNT}:role/demo`,
  chainRoleArn: `arn:aws:iam::${ACCOUNT}:role/chained`,
  mfaRoleArn: `arn:aws:iam::${ACCOUNT}:role/mfa`,
  deniedRoleArn: `arn:aws:iam::${ACCOUNT}:role/locked`,
  mfaSerial: alice.mfaSerial,
  mfaCode: alice.mfaCode,
})

const check = (r: any, runtime: string) => {
  expect(r.runtime).toBe(runtime)
  const ok = (step: any, arn: string) => {
    expect(step, JSON.stringify(step)).toMatchObject({
      hasSecret: true,
      expirationIsDate: true,
      arn,
    })
    expect(step.accessKeyId).toMatch(/^ASIA/)
    expect(step.tokenLength).toBeGreaterThan(400)
  }
  ok(r.assume, `arn:aws:sts::${ACCOUNT}:assumed-role/demo/rt-${runtime}`)
  ok(r.chain, `arn:aws:sts::${ACCOUNT}:assumed-role/chained/rt-chain`)
  ok(r.mfa, `arn:aws:sts::${ACCOUNT}:assumed-role/mfa/rt-mfa`)
  expect(r.validation).toMatchObject({
    error: 'StsValidationError',
    code: 'ValidationError',
    params: ['RoleArn', 'RoleSessionName'],
  })
  expect(r.denied).toMatchObject({
    error: 'StsError',
    isStsError: true,
    code: 'AccessDenied',
    status: 403,
    retryable: false,
  })
  expect(r.denied.requestId).toMatch(/^[0-9a-f-]{36}$/)
  ok(r.throttled, `arn:aws:sts::${ACCOUNT}:assumed-role/demo/rt-throttle`)
  expect(throttle.sts.state.requests).toHaveLength(3)
  ok(r.drip, `arn:aws:sts::${ACCOUNT}:assumed-role/demo/rt-drip`)
  expect(r.abort).toMatchObject({ code: 'AbortError', retryable: false, stoppedQuickly: true })
  // Chained call carried the first session's token, signed.
  expect(main.sts.state.requests[1]!.headers['x-amz-security-token']).toBeTruthy()
}

const child = async (runtime: string, file: string, args: string[]) => {
  const { stdout } = await run(
    file,
    [...args, `${root}test/runtimes/cli.mjs`, JSON.stringify(config(runtime))],
    {
      cwd: root,
      timeout: 60_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    },
  ).catch((e) => {
    throw new Error(`${runtime} could not run the scenario: ${e.message}\n${e.stderr ?? ''}`)
  })
  return JSON.parse(stdout.trim().split('\n').pop()!)
}

describe('the same scenario on every runtime', () => {
  it('Node', async () => check(await child('node', process.execPath, []), 'node'))

  it('Deno (--allow-net=127.0.0.1 only)', async () =>
    check(
      await child('deno', bin('deno'), ['run', '--no-prompt', '--allow-net=127.0.0.1']),
      'deno',
    ))

  it('Bun', async () => check(await child('bun', bin('bun'), []), 'bun'))

  it('workerd (Miniflare module worker)', async () => {
    const mf = new Miniflare({
      compatibilityDate: '2025-09-01',
      modules: true,
      modulesRoot: root,
      modulesRules: [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }],
      scriptPath: `${root}test/runtimes/worker.mjs`,
    })
    try {
      const res = await mf.dispatchFetch('http://localhost/', {
        method: 'POST',
        body: JSON.stringify(config('workerd')),
      })
      const text = await res.text()
      expect(res.status, text).toBe(200)
      check(JSON.parse(text), 'workerd')
    } finally {
      await mf.dispose()
    }
  })
})
