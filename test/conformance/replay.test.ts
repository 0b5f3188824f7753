// The replay harness must fail when the requests or the result differ from the recording.
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { replayFetch, runScenario } from './replay.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const chainScenarios = `${root}../shared/vectors/credentials/default-credential-provider-chain/`

// A copy of a shared scenario with one of its files changed.
const variant = (scenario: string, file: string, change: (json: any) => void) => {
  const folder = join(mkdtempSync(join(tmpdir(), 'scenario-')), scenario)
  cpSync(`${chainScenarios}${scenario}`, folder, { recursive: true })
  const json = JSON.parse(readFileSync(join(folder, file), 'utf8'))
  change(json)
  writeFileSync(join(folder, file), JSON.stringify(json))
  return folder
}

const exchange = (body: string) => ({
  method: 'POST',
  uri: 'https://sts.us-east-1.amazonaws.com/',
  headers: { 'content-type': ['application/x-www-form-urlencoded'] },
  requestBody: body,
  status: 200,
  responseHeaders: {},
  responseBody: '<ok/>',
})
const post = (
  fetchFunction: typeof fetch,
  body: string,
  url = 'https://sts.us-east-1.amazonaws.com/',
) =>
  fetchFunction(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  }).catch((e) => e)

describe('the replaying fetch', () => {
  it('answers a matching request with the recorded response', async () => {
    const replay = replayFetch([exchange('Action=AssumeRole&RoleArn=arn%3Ax')], 'arn:x')
    const response = await post(replay.fetch, 'RoleArn=arn%3Ax&Action=AssumeRole')
    expect(await response.text()).toBe('<ok/>')
    expect(replay.failures).toEqual([])
  })

  it('fails a form value that differs from one the inputs hold', async () => {
    const replay = replayFetch([exchange('Action=AssumeRole&RoleArn=arn%3Ax')], 'arn:x arn:y')
    expect(await post(replay.fetch, 'Action=AssumeRole&RoleArn=arn%3Ay')).toBeInstanceOf(TypeError)
    expect(replay.failures[0]).toContain('form parameter RoleArn differs')
  })

  it('fails a missing or an extra form parameter, and another URL', async () => {
    const replay = replayFetch(
      [
        exchange('Action=AssumeRole&ExternalId=e'),
        exchange('Action=AssumeRole'),
        exchange('Action=AssumeRole'),
      ],
      '',
    )
    await post(replay.fetch, 'Action=AssumeRole')
    await post(replay.fetch, 'Action=AssumeRole&Policy=p')
    await post(replay.fetch, 'Action=AssumeRole', 'https://sts.eu-west-1.amazonaws.com/')
    expect(replay.failures).toHaveLength(3)
    expect(replay.failures.join('\n')).toMatch(
      /ExternalId missing[^]*Policy was not in[^]*expected POST/,
    )
  })

  it('answers a request beyond the recording with a connection error', async () => {
    const replay = replayFetch([], '')
    expect(await post(replay.fetch, 'Action=AssumeRole')).toBeInstanceOf(TypeError)
    expect(replay.notes[0]).toContain('no recorded answer')
  })
})

describe('runScenario', () => {
  it('fails when the expected credentials differ', async () => {
    const folder = variant('web_identity_token_env', 'test-case.json', (testCase) => {
      testCase.result.Ok.session_token = 'another-token'
    })
    const result = await runScenario(folder)
    expect(result.passed).toBe(false)
    expect(result.failures).toEqual([
      'session token: expected another-token, got SESSIONTOKEN_TEST',
    ])
  })

  it('fails when the request goes elsewhere than recorded', async () => {
    const folder = variant('web_identity_token_env', 'env.json', (env) => {
      env.AWS_REGION = 'eu-west-2'
    })
    const result = await runScenario(folder)
    expect(result.passed).toBe(false)
    expect(result.failures[0]).toContain('expected POST https://sts.eu-west-1.amazonaws.com/')
  })

  it('fails when a recorded exchange was never requested', async () => {
    const folder = variant('imds_default_chain_success', 'env.json', (env) => {
      env.AWS_ACCESS_KEY_ID = 'ASIARTEST'
      env.AWS_SECRET_ACCESS_KEY = 'testsecret'
    })
    const result = await runScenario(folder)
    expect(result.failures).toContain('3 recorded exchange(s) were never requested')
  })
})

describe('npm run conformance', () => {
  it('runs every scenario under a folder and ends with the counts', async () => {
    const bad = variant('environment_variables', 'test-case.json', (testCase) => {
      testCase.result.Ok.access_key_id = 'wrong'
    })
    const parent = join(bad, '..')
    cpSync(`${chainScenarios}prefer_environment`, join(parent, 'nested', 'prefer_environment'), {
      recursive: true,
    })
    const error = await promisify(execFile)(
      process.execPath,
      [`${root}node_modules/tsx/dist/cli.mjs`, `${root}test/conformance/run.ts`, parent],
      { cwd: root, timeout: 60_000 },
    ).catch((e) => e)
    expect(error.code).toBe(1)
    const lines = error.stdout.trim().split('\n')
    expect(lines.at(-1)).toBe('1 passed, 1 failed')
    expect(error.stdout).toMatch(/FAIL .*environment_variables/)
    expect(error.stdout).toMatch(/pass .*nested.prefer_environment/)
  })
})
