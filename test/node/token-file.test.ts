import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { StsError } from '../../src/errors.ts'
import { CredentialsError } from '../../src/node/errors.ts'
import { fromTokenFile } from '../../src/node/token-file.ts'
import { ACCOUNT, WEB_TOKENS } from '../local-sts/handler.ts'
import { startLocalSts } from '../local-sts/node.ts'

const GOOD_TOKEN = Object.keys(WEB_TOKENS)[0]!
const ROLE = `arn:aws:iam::${ACCOUNT}:role/web`
let sts: Awaited<ReturnType<typeof startLocalSts>>
beforeAll(async () => {
  sts = await startLocalSts()
})
afterAll(() => sts?.close())
beforeEach(() => sts.sts.reset())

const tokenFile = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'web-identity-')), 'token')
  writeFileSync(path, content)
  return path
}
const jwtWithExpiry = (exp: number) =>
  `eyJhbGciOiJSUzI1NiJ9.${btoa(JSON.stringify({ sub: 'x', exp })).replace(/=+$/, '')}.c2ln`
const formOf = (index: number) => new URLSearchParams(sts.sts.state.requests[index]!.body)

describe('fromTokenFile against the local STS', () => {
  it('assumes AWS_ROLE_ARN with the token in AWS_WEB_IDENTITY_TOKEN_FILE', async () => {
    const credentials = await fromTokenFile({
      env: {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile(GOOD_TOKEN),
        AWS_ROLE_ARN: ROLE,
        AWS_ROLE_SESSION_NAME: 'ci-run',
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_REGION: 'eu-west-1',
      },
    })()
    expect(credentials.accessKeyId).toMatch(/^ASIA/)
    expect(credentials.expiration).toBeInstanceOf(Date)
    expect(credentials.accountId).toBe(ACCOUNT)
    const form = formOf(0)
    expect(form.get('Action')).toBe('AssumeRoleWithWebIdentity')
    expect(form.get('RoleArn')).toBe(ROLE)
    expect(form.get('RoleSessionName')).toBe('ci-run')
    expect(form.get('WebIdentityToken')).toBe(GOOD_TOKEN)
  })

  it('takes the file and role from options, and a session name from the clock', async () => {
    await fromTokenFile({
      env: {},
      webIdentityTokenFile: tokenFile(GOOD_TOKEN),
      roleArn: ROLE,
      region: 'us-east-1',
      endpoint: sts.url,
      now: () => 1700000000000,
    })()
    expect(formOf(0).get('RoleSessionName')).toBe('edge-sts-1700000000000')
  })

  it('reads the file again for each refresh (rotated tokens)', async () => {
    const file = tokenFile(GOOD_TOKEN)
    const provider = fromTokenFile({
      env: {},
      webIdentityTokenFile: file,
      roleArn: ROLE,
      endpoint: sts.url,
      region: 'us-east-1',
      // Every call is a refresh; a failed one keeps the still-valid credentials and reports.
      refreshWindowMs: 24 * 3600_000,
      onRefreshError: (e) => refreshErrors.push(e),
    })
    const refreshErrors: unknown[] = []
    const first = await provider()
    writeFileSync(file, 'a-rotated-token-the-local-sts-does-not-know')
    expect(await provider()).toBe(first)
    await new Promise((resolve) => setTimeout(resolve, 10))
    const error = refreshErrors[0] as StsError
    expect(error).toBeInstanceOf(StsError)
    expect(error.code).toBe('InvalidIdentityToken')
    expect(formOf(1).get('WebIdentityToken')).toBe('a-rotated-token-the-local-sts-does-not-know')
    expect(`${error.message} ${inspect(error)}`).not.toContain('a-rotated-token')
  })

  it('refuses an expired JWT before calling STS, saying what to fix', async () => {
    const expired = jwtWithExpiry(1600000000)
    const error = await fromTokenFile({
      env: {},
      webIdentityTokenFile: tokenFile(expired),
      roleArn: ROLE,
      endpoint: sts.url,
      region: 'us-east-1',
    })().catch((e) => e)
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error.code).toBe('TokenExpired')
    expect(error.message).toContain('2020-09-13T12:26:40.000Z')
    expect(`${error.message} ${inspect(error)}`).not.toContain(expired)
    expect(sts.sts.state.requests).toHaveLength(0)
  })

  it('is not configured when neither variable is set', async () => {
    const error = await fromTokenFile({ env: {} })().catch((e) => e)
    expect(error).toMatchObject({ code: 'CredentialsNotFound', tryNextLink: true })
  })

  it.each([
    ['AWS_ROLE_ARN', { AWS_ROLE_ARN: ROLE }],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', { AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/x' }],
  ])('names the missing partner when only %s is set', async (_, env) => {
    const error = await fromTokenFile({ env })().catch((e) => e)
    expect(error).toMatchObject({ code: 'InvalidProfile', tryNextLink: true })
    expect(error.message).toMatch(/AWS_ROLE_ARN|AWS_WEB_IDENTITY_TOKEN_FILE/)
  })

  it('stops a chain when the configured file cannot be read', async () => {
    const error = await fromTokenFile({
      env: { AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent/token', AWS_ROLE_ARN: ROLE },
    })().catch((e) => e)
    expect(error).toMatchObject({ code: 'CredentialsNotFound', tryNextLink: false })
    expect(error.message).toContain('/nonexistent/token cannot be read (ENOENT)')
  })
})
