// The STS operations besides AssumeRole: real response samples (expected values from the vectors'
// index) and calls over loopback to the local STS.
import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  AssumeRoleWithSAML,
  AssumeRoleWithWebIdentity,
  AssumeRoot,
  DecodeAuthorizationMessage,
  GetAccessKeyInfo,
  GetCallerIdentity,
  GetFederationToken,
  GetSessionToken,
  GetScopedCredentials,
  GetDelegatedAccessToken,
  GetWebIdentityToken,
  type Operation,
} from '../src/operations.ts'
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  getCallerIdentity,
  getDelegatedAccessToken,
  getScopedCredentials,
  getSessionToken,
  getWebIdentityToken,
  parseStsResponse,
} from '../src/sts.ts'
import { fromWebIdentity } from '../src/credentials.ts'
import { StsValidationError } from '../src/errors.ts'
import { toForm } from '../src/query.ts'
import { ACCOUNT, TRADE_IN_TOKENS, USERS, WEB_TOKENS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const dir = new URL('../../shared/vectors/sts/', import.meta.url)
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'))
const OPS: Record<string, Operation<any, any>> = {
  GetCallerIdentity,
  GetSessionToken,
  AssumeRoleWithWebIdentity,
}

describe('response samples of the other operations', () => {
  const samples = index.samples.filter((s: { operation: string }) => s.operation in OPS)
  it('has samples for GetCallerIdentity, GetSessionToken and AssumeRoleWithWebIdentity', () =>
    expect(new Set(samples.map((s: { operation: string }) => s.operation))).toEqual(
      new Set(Object.keys(OPS)),
    ))

  for (const s of samples) {
    it(`${s.file}: ${s.outcome}`, async () => {
      const result = parseStsResponse(OPS[s.operation]!, readFileSync(new URL(s.file, dir), 'utf8'))
      if (s.outcome !== 'success')
        return expect(await result.catch((e) => e.code)).toBe('InvalidResponse')
      const out = await result
      for (const [k, v] of Object.entries(s.expected as Record<string, string>)) {
        const [a, b] = k.split('.')
        const got =
          k === 'RequestId'
            ? out.RequestId
            : ['AccessKeyId', 'SecretAccessKey', 'SessionToken'].includes(k)
              ? out.Credentials[k]
              : k === 'Expiration'
                ? out.Credentials.Expiration.toISOString()
                : b
                  ? out[a!]?.[b]
                  : out[k]
        const want =
          k === 'Expiration' ? new Date(v).toISOString() : (s.whitespace_removed?.[k] ?? v)
        expect(k === 'PackedPolicySize' ? String(got) : got, k).toBe(want)
      }
    })
  }
})

describe('input rules of the other operations (STS API reference limits)', () => {
  const issues = (op: Operation<any, any>, input: unknown) => {
    try {
      op.check(input)
      return []
    } catch (e) {
      expect(e).toBeInstanceOf(StsValidationError)
      return (e as StsValidationError).issues.map((i) => `${i.param}:${i.rule}`)
    }
  }
  const arn = 'arn:aws:iam::123456789012:role/demo'
  it.each([
    [GetSessionToken, {}, []],
    [GetSessionToken, { DurationSeconds: 129600 }, []],
    [GetSessionToken, { DurationSeconds: 129601 }, ['DurationSeconds:range']],
    [GetSessionToken, { TokenCode: '123456' }, ['SerialNumber:requires']],
    [GetCallerIdentity, {}, []],
    [GetCallerIdentity, { Extra: 1 }, ['Extra:unknown']],
    [
      AssumeRoleWithWebIdentity,
      { RoleArn: arn, RoleSessionName: 'ab', WebIdentityToken: 'abc' },
      ['WebIdentityToken:length'],
    ],
    [
      AssumeRoleWithWebIdentity,
      { RoleArn: arn, RoleSessionName: 'ab' },
      ['WebIdentityToken:required'],
    ],
    [
      AssumeRoleWithSAML,
      {
        RoleArn: arn,
        PrincipalArn: 'arn:aws:iam::123456789012:saml-provider/x',
        SAMLAssertion: 'PHNhbWw+',
      },
      [],
    ],
    [AssumeRoleWithSAML, { RoleArn: arn, SAMLAssertion: 'PHNhbWw+' }, ['PrincipalArn:required']],
    [GetFederationToken, { Name: 'a' }, ['Name:length']],
    [
      GetFederationToken,
      { Name: 'bob', DurationSeconds: 129600, Tags: [{ Key: 'k', Value: 'v' }] },
      [],
    ],
    [
      AssumeRoot,
      {
        TargetPrincipal: '111122223333',
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
      },
      [],
    ],
    [
      AssumeRoot,
      { TargetPrincipal: '111122223333', TaskPolicyArn: { arn: 'x' }, DurationSeconds: 901 },
      ['TaskPolicyArn.arn:length', 'DurationSeconds:range'],
    ],
    [GetAccessKeyInfo, { AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' }, []],
    [GetAccessKeyInfo, { AccessKeyId: 'AKIA-IOSFODNN7EXAMPLE' }, ['AccessKeyId:pattern']],
    [DecodeAuthorizationMessage, { EncodedMessage: '' }, ['EncodedMessage:length']],
    // MinimumSessionTokenSize: "must not exceed 4,096 bytes"; 0 leaves the token as it is.
    [GetSessionToken, { MinimumSessionTokenSize: 0 }, []],
    [GetSessionToken, { MinimumSessionTokenSize: 4097 }, ['MinimumSessionTokenSize:range']],
    [
      AssumeRoot,
      {
        TargetPrincipal: '111122223333',
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
        MinimumSessionTokenSize: -1,
      },
      ['MinimumSessionTokenSize:range'],
    ],
    // GetScopedCredentials: Policy or DurationSeconds (1 s to 36 h), description up to 256 characters.
    [GetScopedCredentials, {}, ['Policy:requires']],
    [GetScopedCredentials, { DurationSeconds: 1 }, []],
    [GetScopedCredentials, { DurationSeconds: 129601 }, ['DurationSeconds:range']],
    [
      GetScopedCredentials,
      { Policy: '{}', ScopedSessionDescription: 'x'.repeat(257) },
      ['ScopedSessionDescription:length'],
    ],
    [GetDelegatedAccessToken, {}, ['TradeInToken:required']],
    [GetDelegatedAccessToken, { TradeInToken: 't' }, []],
    // GetWebIdentityToken: 1-10 audiences of 1-1000 characters, 60-3600 s, RS256 or ES384.
    [GetWebIdentityToken, { Audience: ['a'], SigningAlgorithm: 'RS256' }, []],
    [GetWebIdentityToken, { SigningAlgorithm: 'ES384' }, ['Audience:required']],
    [GetWebIdentityToken, { Audience: [], SigningAlgorithm: 'ES384' }, ['Audience:count']],
    [
      GetWebIdentityToken,
      { Audience: Array(11).fill('a'), SigningAlgorithm: 'ES384' },
      ['Audience:count'],
    ],
    [
      GetWebIdentityToken,
      { Audience: [''], SigningAlgorithm: 'HS256', DurationSeconds: 59 },
      ['Audience[0]:length', 'DurationSeconds:range', 'SigningAlgorithm:enum'],
    ],
    [
      GetWebIdentityToken,
      { Audience: ['a'], SigningAlgorithm: 'RS256', SubjectMode: 'Other' },
      ['SubjectMode:enum'],
    ],
    // Scope: space-separated, no `"` `,` `\`, no repeats; only with OriginIdentity and one audience.
    [
      GetWebIdentityToken,
      {
        Audience: ['a'],
        SigningAlgorithm: 'RS256',
        SubjectMode: 'OriginIdentity',
        Scope: 'read write:all',
      },
      [],
    ],
    [
      GetWebIdentityToken,
      {
        Audience: ['a'],
        SigningAlgorithm: 'RS256',
        SubjectMode: 'OriginIdentity',
        Scope: 'read  write',
      },
      ['Scope:pattern'],
    ],
    [
      GetWebIdentityToken,
      { Audience: ['a'], SigningAlgorithm: 'RS256', SubjectMode: 'OriginIdentity', Scope: 'a,b' },
      ['Scope:pattern'],
    ],
    [
      GetWebIdentityToken,
      {
        Audience: ['a'],
        SigningAlgorithm: 'RS256',
        SubjectMode: 'OriginIdentity',
        Scope: 'read read',
      },
      ['Scope:unique'],
    ],
    [
      GetWebIdentityToken,
      { Audience: ['a', 'b'], SigningAlgorithm: 'RS256', Scope: 'read' },
      ['Scope:requires'],
    ],
  ] as [Operation<any, any>, object, string[]][])('%o %o', (op, input, expected) =>
    expect(issues(op, input)).toEqual(expected),
  )

  it('flattens AssumeRoot.TaskPolicyArn as a structure', () =>
    expect(
      toForm('AssumeRoot', { TargetPrincipal: '111122223333', TaskPolicyArn: { arn: 'a' } }),
    ).toBe('Action=AssumeRoot&Version=2011-06-15&TargetPrincipal=111122223333&TaskPolicyArn.arn=a'))
})

describe('against the local STS', () => {
  let server: Awaited<ReturnType<typeof startLocalSts>>
  beforeAll(async () => void (server = await startLocalSts()))
  afterAll(() => server.close())
  afterEach(() => server.sts.reset())
  const alice = USERS[0]!
  const cfg = () => ({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
  })
  const token = Object.keys(WEB_TOKENS)[0]!

  it('getCallerIdentity', async () => {
    const out = await getCallerIdentity(cfg())
    expect(out).toMatchObject({ Account: ACCOUNT, Arn: alice.arn })
    expect(out.RequestId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('getSessionToken, with MFA', async () => {
    const out = await getSessionToken(
      { DurationSeconds: 900, SerialNumber: alice.mfaSerial, TokenCode: alice.mfaCode },
      cfg(),
    )
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/)
    const who = await getCallerIdentity({
      ...cfg(),
      credentials: {
        accessKeyId: out.Credentials.AccessKeyId,
        secretAccessKey: out.Credentials.SecretAccessKey,
        sessionToken: out.Credentials.SessionToken,
      },
    })
    expect(who.Arn).toBe(alice.arn)
  })

  it('assumeRoleWithWebIdentity is sent unsigned and needs no credentials', async () => {
    const out = await assumeRoleWithWebIdentity(
      {
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
        RoleSessionName: 'gha',
        WebIdentityToken: token,
      },
      { endpoint: server.url, region: 'us-east-1' },
    )
    expect(out).toMatchObject({
      Provider: WEB_TOKENS[token]!.iss,
      SubjectFromWebIdentityToken: WEB_TOKENS[token]!.sub,
      Audience: 'sts.amazonaws.com',
    })
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/web/gha`)
    expect(server.sts.state.requests[0]!.headers.authorization).toBeUndefined()
    const err = await assumeRoleWithWebIdentity(
      {
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
        RoleSessionName: 'gha',
        WebIdentityToken: 'not-a-token',
      },
      { endpoint: server.url, region: 'us-east-1' },
    ).catch((e) => e)
    expect(err).toMatchObject({ code: 'InvalidIdentityToken', status: 400, retryable: false })
  })

  it('fromWebIdentity reads a fresh token for each STS call and caches the credentials', async () => {
    let reads = 0
    const provider = fromWebIdentity(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`, WebIdentityToken: () => (reads++, token) },
      { endpoint: server.url, region: 'us-east-1' },
    )
    const [a, b] = await Promise.all([provider(), provider()])
    expect(a).toBe(b)
    expect(reads).toBe(1)
    expect(server.sts.state.requests[0]!.params.RoleSessionName).toMatch(/^edge-sts-\d+$/)
  })

  it('getScopedCredentials narrows a role session and keeps its identity; IAM user credentials are refused', async () => {
    const { Credentials: c } = await assumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'scoped' },
      cfg(),
    )
    const session = {
      ...cfg(),
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      },
    }
    const out = await getScopedCredentials(
      { DurationSeconds: 600, MinimumSessionTokenSize: 1000 },
      session,
    )
    expect(out.SessionInfo!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/demo/scoped`)
    expect(out.Credentials.Expiration.getTime() - Date.now()).toBeLessThanOrEqual(600_000)
    expect(out).toMatchObject({
      ScopedPoliciesCount: 0,
      SessionTokenSize: out.Credentials.SessionToken.length + 1000,
    })
    // The scoped credentials sign the next call (their session token signed with them).
    const who = await getCallerIdentity({
      ...cfg(),
      credentials: {
        accessKeyId: out.Credentials.AccessKeyId,
        secretAccessKey: out.Credentials.SecretAccessKey,
        sessionToken: out.Credentials.SessionToken,
      },
    })
    expect(who.Arn).toBe(out.SessionInfo!.Arn)
    expect(
      await getScopedCredentials({ Policy: '{}' }, cfg()).catch((e) => [e.code, e.status]),
    ).toEqual(['AccessDenied', 403])
  })

  it('getWebIdentityToken returns a JWT for the caller, with its expiration', async () => {
    const out = await getWebIdentityToken(
      { Audience: ['https://api.example.com'], SigningAlgorithm: 'ES384', DurationSeconds: 120 },
      cfg(),
    )
    const claims = JSON.parse(
      atob(out.WebIdentityToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
    )
    expect(claims).toMatchObject({ sub: alice.arn, aud: ['https://api.example.com'] })
    expect(out.Expiration.getTime()).toBe(claims.exp * 1000)
  })

  it('getDelegatedAccessToken exchanges a trade-in token; an unknown one is a typed STS error', async () => {
    const [token, role] = Object.entries(TRADE_IN_TOKENS)[0]!
    const out = await getDelegatedAccessToken({ TradeInToken: token }, cfg())
    expect(out.AssumedPrincipal).toBe(role)
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/)
    const err = await getDelegatedAccessToken({ TradeInToken: 'stale' }, cfg()).catch((e) => e)
    expect([err.code, err.status, err.retryable]).toEqual([
      'ExpiredTradeInTokenException',
      400,
      false,
    ])
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })
})
