import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CredentialsError } from '../../src/node/errors.ts'
import { fromProcess, redactStderr, runCredentialProcess } from '../../src/node/process.ts'

const scenarios = new URL('../../../shared/vectors/credentials/profile-provider/', import.meta.url)

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLETOKENvalue0123456789'

const failure = async (promise: Promise<unknown>): Promise<CredentialsError> => {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError)
    return error as CredentialsError
  }
  throw new Error('expected a failure')
}

const expectNoSecret = (error: unknown, ...secrets: string[]) => {
  for (const shown of [
    String(error),
    inspect(error),
    JSON.stringify(error),
    (error as Error).stack,
  ])
    for (const secret of secrets) expect(shown).not.toContain(secret)
}

describe('fromProcess with real files in a temporary HOME and real subprocesses', () => {
  let home: string
  const env = () => ({ HOME: home, PATH: process.env.PATH })
  const configure = (profile: string, command: string, extra = '') =>
    writeFile(
      join(home, '.aws', 'config'),
      `[profile ${profile}]\ncredential_process = ${command}\n${extra}`,
    )
  const echo = (output: object) => `echo '${JSON.stringify(output)}'`

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'edge-sts-process-'))
    await mkdir(join(home, '.aws'))
  })
  afterAll(() => rm(home, { recursive: true, force: true }))

  it('reads Version 1 output; AccountId falls back to aws_account_id', async () => {
    await configure(
      'p',
      echo({
        Version: 1,
        AccessKeyId: 'ASIAPROCESS',
        SecretAccessKey: SECRET,
        SessionToken: TOKEN,
        Expiration: '2099-01-01T00:00:00Z',
      }),
      'aws_account_id = 111122223333\n',
    )
    expect(await fromProcess({ env: env(), profile: 'p' })()).toEqual({
      accessKeyId: 'ASIAPROCESS',
      secretAccessKey: SECRET,
      sessionToken: TOKEN,
      expiration: new Date('2099-01-01T00:00:00Z'),
      accountId: '111122223333',
    })
  })

  it("prefers the output's AccountId; AWS_PROFILE selects the profile; runs through the shell", async () => {
    const output = { Version: 1, AccessKeyId: 'AKIDX', SecretAccessKey: SECRET, AccountId: '444' }
    await configure('q', `${echo(output)} | cat`, 'aws_account_id = 111\n')
    const credentials = await fromProcess({ env: { ...env(), AWS_PROFILE: 'q' } })()
    expect(credentials).toEqual({ accessKeyId: 'AKIDX', secretAccessKey: SECRET, accountId: '444' })
  })

  it('rejects credentials that have already expired', async () => {
    await configure(
      'old',
      echo({
        Version: 1,
        AccessKeyId: 'A',
        SecretAccessKey: SECRET,
        Expiration: '2020-01-01T00:00:00Z',
      }),
    )
    const error = await failure(fromProcess({ env: env(), profile: 'old' })())
    expect([error.code, error.tryNextLink]).toEqual(['TokenExpired', false])
    expect(error.message).toContain('2020-01-01T00:00:00.000Z')
    expectNoSecret(error, SECRET)
  })

  it('a non-zero exit: ProcessFailed with stderr, secrets removed, stdout never shown', async () => {
    const stdout = JSON.stringify({ Version: 1, AccessKeyId: 'AKIDLEAK', SecretAccessKey: SECRET })
    await configure(
      'bad',
      `echo '${stdout}'; echo "login required; debug: secret=${SECRET} token: ${TOKEN} key AKIAABCDEFGHIJKLMNOP" >&2; exit 3`,
    )
    const error = await failure(fromProcess({ env: env(), profile: 'bad' })())
    expect([error.code, error.tryNextLink]).toEqual(['ProcessFailed', false])
    expect(error.message).toContain('exited with code 3')
    expect(error.message).toContain('login required')
    expect(error.message).toContain('profile `bad`')
    expectNoSecret(error, SECRET, TOKEN, 'AKIAABCDEFGHIJKLMNOP', 'AKIDLEAK')
  })

  it('invalid JSON, a wrong Version and missing keys are InvalidProcessOutput, output unseen', async () => {
    await configure('j', `echo 'not json ${SECRET}'`)
    const invalid = await failure(fromProcess({ env: env(), profile: 'j' })())
    expect(invalid.code).toBe('InvalidProcessOutput')
    expectNoSecret(invalid, SECRET)
    await configure('v', echo({ Version: 2, AccessKeyId: 'A', SecretAccessKey: SECRET }))
    const version = await failure(fromProcess({ env: env(), profile: 'v' })())
    expect(version.code).toBe('InvalidProcessOutput')
    expect(version.message).toContain('Version 1')
    await configure('k', echo({ Version: 1, AccessKeyId: 'A' }))
    expect((await failure(fromProcess({ env: env(), profile: 'k' })())).code).toBe(
      'InvalidProcessOutput',
    )
  })

  it('stops a command that runs past timeoutMs', async () => {
    await configure('slow', 'sleep 5')
    const started = Date.now()
    const error = await failure(fromProcess({ env: env(), profile: 'slow', timeoutMs: 300 })())
    expect(error.code).toBe('ProcessFailed')
    expect(error.message).toContain('300 ms')
    expect(Date.now() - started).toBeLessThan(4000)
  })

  it('stops a running command when the signal aborts', async () => {
    await configure('abort', 'sleep 5')
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const started = Date.now()
    const error = await failure(
      fromProcess({ env: env(), profile: 'abort', signal: controller.signal })(),
    )
    expect(error.code).toBe('ProcessFailed')
    expect(error.message).toContain('aborted')
    expect(Date.now() - started).toBeLessThan(4000)
  })

  it('not configured (no profile, no credential_process): the chain tries the next source', async () => {
    await writeFile(join(home, '.aws', 'config'), '[profile plain]\nregion = us-east-1\n')
    const missing = await failure(fromProcess({ env: env(), profile: 'nope' })())
    expect([missing.code, missing.tryNextLink]).toEqual(['ProfileNotFound', true])
    const none = await failure(fromProcess({ env: env(), profile: 'plain' })())
    expect([none.code, none.tryNextLink]).toEqual(['CredentialsNotFound', true])
  })

  it('shares one run among concurrent callers and caches the result; failures are not cached', async () => {
    const counter = join(home, 'runs')
    await writeFile(counter, '')
    await configure(
      'count',
      `echo run >> '${counter}'; ${echo({ Version: 1, AccessKeyId: 'A', SecretAccessKey: SECRET, Expiration: '2099-01-01T00:00:00Z' })}`,
    )
    const provider = fromProcess({ env: env(), profile: 'count' })
    await Promise.all(Array.from({ length: 20 }, () => provider()))
    await provider()
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1)

    const flag = join(home, 'ready')
    await configure(
      'flaky',
      `test -f '${flag}' || exit 1; ${echo({ Version: 1, AccessKeyId: 'B', SecretAccessKey: SECRET })}`,
    )
    const flaky = fromProcess({ env: env(), profile: 'flaky' })
    expect((await failure(flaky())).code).toBe('ProcessFailed')
    await writeFile(flag, '')
    expect((await flaky()).accessKeyId).toBe('B')
  })

  it('runCredentialProcess passes the environment to the command', async () => {
    const credentials = await runCredentialProcess(
      `printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"x"}' "$EDGE_STS_KEY"`,
      { profileName: 'inline', env: { PATH: process.env.PATH, EDGE_STS_KEY: 'FROMENV' } },
    )
    expect(credentials.accessKeyId).toBe('FROMENV')
  })
})

describe('redactStderr', () => {
  it('removes values printed on stdout, key-shaped words and secret settings', () => {
    const stdout = JSON.stringify({ SessionToken: 'short-but-secret-token' })
    const redacted = redactStderr(
      'got short-but-secret-token; password=hunter22 and AKIAIOSFODNN7EXAMPLE',
      stdout,
    )
    expect(redacted).not.toContain('short-but-secret-token')
    expect(redacted).not.toContain('hunter22')
    expect(redacted).not.toContain('AKIAIOSFODNN7EXAMPLE')
    expect(redacted).toContain('got [redacted]')
  })
})

// The smithy-rs profile-provider scenarios about credential_process, run for real: HOME is the
// scenario's fs/home, the command runs in a shell, the clock is fixed before the expiry.
describe('profile-provider credential_process scenarios (smithy-rs)', () => {
  const run = async (name: string) => {
    const folder = new URL(`${name}/`, scenarios)
    const testCase = JSON.parse(await readFile(new URL('test-case.json', folder), 'utf8'))
    const home = fileURLToPath(new URL('fs/home', folder))
    return { testCase, home }
  }

  it('credential_process: the decoded output, its account id shadowing aws_account_id', async () => {
    const { testCase, home } = await run('credential_process')
    const expected = testCase.result.Ok
    const now = () => (expected.expiry - 3600) * 1000
    const credentials = await fromProcess({ env: { HOME: home, PATH: process.env.PATH }, now })()
    expect(credentials).toEqual({
      accessKeyId: expected.access_key_id,
      secretAccessKey: expected.secret_access_key,
      sessionToken: expected.session_token,
      accountId: expected.account_id,
      expiration: new Date(expected.expiry * 1000),
    })
  })

  it('credential_process_failure: a non-zero exit is an error that says so', async () => {
    const { testCase, home } = await run('credential_process_failure')
    expect(testCase.result.ErrorContains).toContain('exited with code')
    const error = await failure(fromProcess({ env: { HOME: home, PATH: process.env.PATH } })())
    expect(error.code).toBe('ProcessFailed')
    expect(error.message).toContain('exited with code 1')
  })

  it('credential_process_invalid: invalid JSON is an error that says so', async () => {
    const { testCase, home } = await run('credential_process_invalid')
    expect(testCase.result.ErrorContains).toContain('invalid JSON')
    const error = await failure(fromProcess({ env: { HOME: home, PATH: process.env.PATH } })())
    expect(error.code).toBe('InvalidProcessOutput')
    expect(error.message).toContain('invalid JSON')
  })
})
