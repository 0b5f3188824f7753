// The local STS (src/testing, the `edge-sts/testing` export): every operation through this package's
// functions over loopback HTTP, response shapes against the recorded fixtures, the SigV4 checks
// against independent signers (@smithy/signature-v4 and the real AWS CLI), the region scope, CORS
// and the faults a user can switch on.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'
import { Miniflare } from 'miniflare'
import ts from 'typescript'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  assumeRole,
  assumeRoleWithSAML,
  assumeRoot,
  decodeAuthorizationMessage,
  getAccessKeyInfo,
  getCallerIdentity,
  getFederationToken,
  getSessionToken,
} from '../src/sts.ts'
import { presignUrl, signRequest } from '../src/sigv4.ts'
import type { StsConfig } from '../src/client.ts'
import { createLocalSts } from '../src/testing/index.ts'
import {
  ACCOUNT,
  AUTHORIZATION_MESSAGES,
  SAML_ASSERTIONS,
  TRADE_IN_TOKENS,
  USERS,
  WEB_TOKENS,
} from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const alice = USERS[0]!
const bob = USERS[1]!
const aliceKeys = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }
const FORM = 'application/x-www-form-urlencoded; charset=utf-8'
const SAML_PROVIDER = `arn:aws:iam::${ACCOUNT}:saml-provider/example-idp`
const sessionKeys = (c: {
  AccessKeyId: string
  SecretAccessKey: string
  SessionToken: string
}) => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  sessionToken: c.SessionToken,
})

let server: Awaited<ReturnType<typeof startLocalSts>>
beforeAll(async () => void (server = await startLocalSts()))
afterAll(() => server.close())
afterEach(() => server.sts.reset())
const cfg = (c: Partial<StsConfig> = {}): StsConfig => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: aliceKeys,
  retryDelayMs: 1,
  ...c,
})
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('resolved'),
    (e: { code: string; status?: number; message: string }) => e,
  )

describe('every operation over loopback, through this package', () => {
  it('getFederationToken: a federated user of the calling account, with its packed policy size', async () => {
    const out = await getFederationToken(
      { Name: 'bob-fed', Policy: '{"Version":"2012-10-17","Statement":[]}', DurationSeconds: 900 },
      cfg(),
    )
    expect(out.FederatedUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob-fed`,
      FederatedUserId: `${ACCOUNT}:bob-fed`,
    })
    expect(out.PackedPolicySize).toBeGreaterThan(0)
    const remaining = out.Credentials.Expiration.getTime() - Date.now()
    expect(remaining).toBeGreaterThan(890_000)
    expect(remaining).toBeLessThanOrEqual(900_000)
    const who = await getCallerIdentity(cfg({ credentials: sessionKeys(out.Credentials) }))
    expect(who).toMatchObject({ Arn: out.FederatedUser!.Arn, UserId: `${ACCOUNT}:bob-fed` })
    // Only long-term credentials may call it (STS: AccessDenied for session credentials).
    const session = await getSessionToken({}, cfg())
    const err = await failure(
      getFederationToken({ Name: 'x-fed' }, cfg({ credentials: sessionKeys(session.Credentials) })),
    )
    expect([err.code, err.status]).toEqual(['AccessDenied', 403])
  })

  it('decodeAuthorizationMessage: the JSON of a known message; an unknown one is a typed STS error', async () => {
    const [encoded, decoded] = Object.entries(AUTHORIZATION_MESSAGES)[0]!
    const out = await decodeAuthorizationMessage({ EncodedMessage: encoded }, cfg())
    expect(out.DecodedMessage).toBe(decoded)
    expect(JSON.parse(out.DecodedMessage!)).toMatchObject({ allowed: false })
    const err = await failure(decodeAuthorizationMessage({ EncodedMessage: 'garbage' }, cfg()))
    expect([err.code, err.status]).toEqual(['InvalidAuthorizationMessageException', 400])
  })

  it('assumeRoleWithSAML: unsigned, the assertion is the credential; the role must trust the provider', async () => {
    const [assertion, claims] = Object.entries(SAML_ASSERTIONS)[0]!
    const input = {
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/saml`,
      PrincipalArn: SAML_PROVIDER,
      SAMLAssertion: assertion,
    }
    const out = await assumeRoleWithSAML(input, { endpoint: server.url, region: 'us-east-1' })
    expect(server.sts.state.requests[0]!.headers.authorization).toBeUndefined()
    expect(out).toMatchObject({
      Subject: claims.subject,
      SubjectType: claims.subjectType,
      Issuer: claims.issuer,
      Audience: claims.audience,
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/saml/${claims.subject}` },
    })
    expect(out.NameQualifier).toMatch(/^[A-Za-z0-9+/]{27}=$/)
    const who = await getCallerIdentity(cfg({ credentials: sessionKeys(out.Credentials) }))
    expect(who.Arn).toBe(out.AssumedRoleUser!.Arn)
    const bad = await failure(
      assumeRoleWithSAML({ ...input, SAMLAssertion: 'bm90LWFuLWFzc2VydGlvbg==' }, cfg()),
    )
    expect([bad.code, bad.status]).toEqual(['InvalidIdentityToken', 400])
    const untrusted = await failure(
      assumeRoleWithSAML({ ...input, RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo` }, cfg()),
    )
    expect([untrusted.code, untrusted.status]).toEqual(['AccessDenied', 403])
  })

  it('assumeRoot: root credentials of a member account, at most 900 seconds', async () => {
    const input = {
      TargetPrincipal: '111122223333',
      TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
    }
    const out = await assumeRoot(input, cfg())
    expect(out.Credentials.Expiration.getTime() - Date.now()).toBeLessThanOrEqual(900_000)
    const who = await getCallerIdentity(cfg({ credentials: sessionKeys(out.Credentials) }))
    expect(who).toMatchObject({ Arn: 'arn:aws:iam::111122223333:root', Account: '111122223333' })
    // Its own account is not a member account.
    const own = await failure(assumeRoot({ ...input, TargetPrincipal: ACCOUNT }, cfg()))
    expect([own.code, own.status]).toEqual(['AccessDenied', 403])
    const notRootTask = await failure(
      assumeRoot(
        { ...input, TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } },
        cfg(),
      ),
    )
    expect(notRootTask.code).toBe('ValidationError')
  })

  it("getAccessKeyInfo: a known key's account; another key's account decoded from the key ID", async () => {
    expect((await getAccessKeyInfo({ AccessKeyId: bob.accessKeyId }, cfg())).Account).toBe(ACCOUNT)
    // Published decoding example (key ID → account), not computed by this code.
    const other = await getAccessKeyInfo({ AccessKeyId: 'ASIAY34FZKBOKMUTVV7A' }, cfg())
    expect(other.Account).toBe('609629065308')
  })

  it('role chaining is limited to one hour; a GetSessionToken session is not a role session', async () => {
    const long = { RoleArn: `arn:aws:iam::${ACCOUNT}:role/long`, DurationSeconds: 7200 }
    const session = await getSessionToken({}, cfg())
    const fromSession = await assumeRole(
      { ...long, RoleSessionName: 'from-session' },
      cfg({ credentials: sessionKeys(session.Credentials) }),
    )
    expect(fromSession.Credentials.Expiration.getTime() - Date.now()).toBeGreaterThan(7000_000)
    const demo = await assumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'hop' },
      cfg(),
    )
    const chained = await failure(
      assumeRole(
        {
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/chained`,
          RoleSessionName: 'chained',
          DurationSeconds: 7200,
        },
        cfg({ credentials: sessionKeys(demo.Credentials) }),
      ),
    )
    expect(chained).toMatchObject({ code: 'ValidationError', status: 400 })
    expect(chained.message).toContain('role chaining')
  })

  it('the operations that already existed still answer: AssumeRole, GetSessionToken, GetDelegatedAccessToken', async () => {
    const role = await assumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'all-ops' },
      cfg(),
    )
    expect(role.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:all-ops$/)
    const who = await getCallerIdentity(cfg({ credentials: sessionKeys(role.Credentials) }))
    expect(who.UserId).toBe(role.AssumedRoleUser!.AssumedRoleId)
    expect(Object.keys(TRADE_IN_TOKENS)).toHaveLength(1)
    expect(Object.keys(WEB_TOKENS)).toHaveLength(1)
  })
})

describe('names from the request are looked up as own properties only', () => {
  it('Action=constructor / toString is an unknown action; __proto__ in a form is an ordinary parameter', async () => {
    const sts = createLocalSts()
    for (const action of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const res = await sts.fetch('https://sts.amazonaws.com/', {
        method: 'POST',
        body: `Action=${action}&Version=2011-06-15`,
      })
      expect([res.status, await res.text()]).toEqual([
        400,
        expect.stringContaining('InvalidAction'),
      ])
    }
    const unsigned = await sts.fetch('https://sts.amazonaws.com/', {
      method: 'POST',
      body: `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::${ACCOUNT}:role/web&RoleSessionName=s1&WebIdentityToken=constructor&__proto__=x`,
    })
    expect(await unsigned.text()).toContain('<Code>InvalidIdentityToken</Code>')
    expect(Object.hasOwn(sts.requests.at(-1)!.params, '__proto__')).toBe(true)
  })
})

// Element paths of an XML document (`A/B/C`), from its tags: enough to compare shapes.
const shapeOf = (xml: string): Set<string> => {
  const paths = new Set<string>()
  const stack: string[] = []
  for (const [, close, name, selfClose] of xml.matchAll(/<(\/?)([A-Za-z][\w.-]*)[^>]*?(\/?)>/g)) {
    if (close) stack.pop()
    else {
      stack.push(name!)
      paths.add(stack.join('/'))
      if (selfClose) stack.pop()
    }
  }
  return paths
}

describe('response shapes: like the recorded fixtures', () => {
  const sts = createLocalSts()
  const signedPost = async (body: string, credentials = aliceKeys) => {
    const signed = await signRequest(
      {
        method: 'POST',
        url: 'https://sts.us-east-1.amazonaws.com/',
        headers: { 'content-type': FORM },
        body,
      },
      { credentials, region: 'us-east-1', service: 'sts' },
    )
    return sts.fetch(signed.url, signed)
  }
  const form = (action: string, params: Record<string, string> = {}) =>
    new URLSearchParams({ Action: action, Version: '2011-06-15', ...params }).toString()
  const [samlAssertion] = Object.keys(SAML_ASSERTIONS)
  const [webToken] = Object.keys(WEB_TOKENS)
  const [encoded] = Object.keys(AUTHORIZATION_MESSAGES)
  const [tradeIn] = Object.keys(TRADE_IN_TOKENS)

  const cases: [string, Record<string, string>][] = [
    ['AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 's1' }],
    [
      'AssumeRoleWithWebIdentity',
      {
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
        RoleSessionName: 's2',
        WebIdentityToken: webToken!,
      },
    ],
    [
      'AssumeRoleWithSAML',
      {
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/saml`,
        PrincipalArn: SAML_PROVIDER,
        SAMLAssertion: samlAssertion!,
      },
    ],
    [
      'AssumeRoot',
      {
        TargetPrincipal: '111122223333',
        'TaskPolicyArn.arn': 'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy',
      },
    ],
    ['GetSessionToken', {}],
    ['GetFederationToken', { Name: 'fed', Policy: '{}' }],
    ['GetCallerIdentity', {}],
    ['GetAccessKeyInfo', { AccessKeyId: alice.accessKeyId }],
    ['DecodeAuthorizationMessage', { EncodedMessage: encoded! }],
    ['GetDelegatedAccessToken', { TradeInToken: tradeIn! }],
    [
      'GetWebIdentityToken',
      { 'Audience.member.1': 'https://a.example', SigningAlgorithm: 'RS256' },
    ],
  ]
  for (const [action, params] of cases) {
    it(`${action}: every element is one the fixture has, under the same parent`, async () => {
      const res = await signedPost(form(action, params))
      const text = await res.text()
      expect(res.status, text).toBe(200)
      const fixture = shapeOf(
        readFileSync(new URL(`fixtures/${action}.xml`, import.meta.url), 'utf8'),
      )
      const local = shapeOf(text)
      expect([...local].filter((path) => !fixture.has(path))).toEqual([])
      expect(local).toContain(`${action}Response/ResponseMetadata/RequestId`)
      expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/)
    })
  }

  it('GetScopedCredentials (session credentials): shaped like its fixture', async () => {
    const role = await signedPost(
      form('AssumeRole', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 's3' }),
    )
    const xml = await role.text()
    const pick = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!
    const res = await signedPost(form('GetScopedCredentials', { DurationSeconds: '600' }), {
      accessKeyId: pick('AccessKeyId'),
      secretAccessKey: pick('SecretAccessKey'),
      sessionToken: pick('SessionToken'),
    } as typeof aliceKeys)
    expect(res.status).toBe(200)
    const fixture = shapeOf(
      readFileSync(new URL('fixtures/GetScopedCredentials.xml', import.meta.url), 'utf8'),
    )
    expect([...shapeOf(await res.text())].filter((path) => !fixture.has(path))).toEqual([])
  })
})

describe('SigV4 checks', () => {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15'

  it('accepts any signed header set, as signed by AWS’s own signer (@smithy/signature-v4)', async () => {
    const sts = createLocalSts()
    const oracle = new SignatureV4({
      credentials: aliceKeys,
      region: 'us-east-1',
      service: 'sts',
      sha256: Sha256,
    })
    const signed = await oracle.sign({
      method: 'POST',
      protocol: 'https:',
      hostname: 'sts.amazonaws.com',
      path: '/',
      query: { extra: ['b', 'a'], 'with space': 'x y' },
      headers: {
        host: 'sts.amazonaws.com',
        'content-type': FORM,
        'x-custom-header': '  two   spaces  ',
        'amz-sdk-invocation-id': 'c0ffee',
      },
      body,
    })
    expect(signed.headers.authorization).toContain('amz-sdk-invocation-id')
    expect(signed.headers.authorization).toContain('x-custom-header')
    const url = 'https://sts.amazonaws.com/?extra=b&extra=a&with%20space=x%20y'
    const ok = await sts.fetch(url, { method: 'POST', headers: signed.headers, body })
    expect(ok.status, await ok.clone().text()).toBe(200)
    // A signed header changed on the way: rejected; an unsigned one: no matter.
    const tampered = await sts.fetch(url, {
      method: 'POST',
      headers: { ...signed.headers, 'x-custom-header': 'other' },
      body,
    })
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    const unsigned = await sts.fetch(url, {
      method: 'POST',
      headers: { ...signed.headers, 'x-unsigned': '1' },
      body,
    })
    expect(unsigned.status).toBe(200)
  })

  it('accepts presigned URLs (query-string SigV4): this package’s presignUrl and smithy’s presign', async () => {
    const sts = createLocalSts()
    const url = 'https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15'
    const presigned = await presignUrl(
      { url },
      { credentials: aliceKeys, region: 'us-east-1', service: 'sts', expiresIn: 60 },
    )
    const ok = await sts.fetch(presigned)
    expect(await ok.text()).toContain(`<Arn>${alice.arn}</Arn>`)
    // With session credentials: the token travels (and is signed) in the query.
    const role = await assumeRole(
      { RoleArn: `arn:aws:iam::${ACCOUNT}:role/demo`, RoleSessionName: 'presign' },
      { region: 'us-east-1', credentials: aliceKeys, fetch: sts.fetch },
    )
    const withToken = await presignUrl(
      { url },
      { credentials: sessionKeys(role.Credentials), region: 'us-east-1', service: 'sts' },
    )
    expect(withToken).toContain('X-Amz-Security-Token=')
    expect(await (await sts.fetch(withToken)).text()).toContain(role.AssumedRoleUser!.Arn)
    // Smithy's presigner, an independent signer, with an extra signed header.
    const oracle = new SignatureV4({
      credentials: aliceKeys,
      region: 'us-east-1',
      service: 'sts',
      sha256: Sha256,
    })
    const request = await oracle.presign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'sts.amazonaws.com',
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: 'sts.amazonaws.com', 'x-k8s-aws-id': 'cluster-1' },
      },
      { expiresIn: 60 },
    )
    const query = new URLSearchParams(request.query as Record<string, string>).toString()
    const smithyUrl = `https://sts.amazonaws.com/?${query}`
    const answer = await sts.fetch(smithyUrl, { headers: { 'x-k8s-aws-id': 'cluster-1' } })
    expect(answer.status, await answer.clone().text()).toBe(200)
    // A changed parameter, or a missing signed header, breaks the signature.
    const tampered = await sts.fetch(
      presigned.replace('Version=2011-06-15', 'Version=2011-06-15&x=1'),
    )
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    const headerMissing = await sts.fetch(smithyUrl)
    expect(await headerMissing.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    const incomplete = await sts.fetch(`${url}&X-Amz-Algorithm=AWS4-HMAC-SHA256`)
    expect(await incomplete.text()).toContain('<Code>IncompleteSignature</Code>')
  })

  it('rejects a credential scope for another region, as STS does (SignatureDoesNotMatch, 403)', async () => {
    const err = await failure(getCallerIdentity(cfg({ region: 'eu-west-1' })))
    expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 })
    expect(err.message).toContain('Credential should be scoped to a valid region.')
  })

  it('takes its region from an AWS STS host name, else from the `region` option', async () => {
    const sts = createLocalSts({ region: 'eu-west-1' })
    const viaHost = { credentials: aliceKeys, fetch: sts.fetch, maxAttempts: 1 }
    // sts.ap-south-1.amazonaws.com is ap-south-1's STS: signed for it, accepted.
    await expect(getCallerIdentity({ ...viaHost, region: 'ap-south-1' })).resolves.toMatchObject({
      Arn: alice.arn,
    })
    // The global endpoint is us-east-1's.
    await expect(getCallerIdentity({ ...viaHost, region: 'aws-global' })).resolves.toBeTruthy()
    // A custom host uses the option: eu-west-1 passes, us-east-1 does not.
    const custom = { ...viaHost, endpoint: 'http://sts.local.test/' }
    await expect(getCallerIdentity({ ...custom, region: 'eu-west-1' })).resolves.toBeTruthy()
    const err = await failure(getCallerIdentity({ ...custom, region: 'us-east-1' }))
    expect(err.code).toBe('SignatureDoesNotMatch')
    // One endpoint standing in for several regions.
    const several = createLocalSts({ region: ['eu-west-1', 'eu-central-1'] })
    const both = { ...custom, fetch: several.fetch }
    await expect(getCallerIdentity({ ...both, region: 'eu-central-1' })).resolves.toBeTruthy()
    await expect(getCallerIdentity({ ...both, region: 'eu-west-1' })).resolves.toBeTruthy()
    expect((await failure(getCallerIdentity({ ...both, region: 'us-east-1' }))).code).toBe(
      'SignatureDoesNotMatch',
    )
  })

  it('names the service scope and the time window in STS’s wording', async () => {
    const sts = createLocalSts({ clock: () => Date.parse('2026-12-01T12:00:00Z') })
    const sign = (service: string, date: string) =>
      signRequest(
        {
          method: 'POST',
          url: 'https://sts.amazonaws.com/',
          headers: { 'content-type': FORM },
          body,
        },
        { credentials: aliceKeys, region: 'us-east-1', service, date },
      )
    // The message text with XML character references decoded.
    const answer = async (signed: Awaited<ReturnType<typeof sign>>) =>
      (await (await sts.fetch(signed.url, signed)).text()).replace(/&#(\d+);/g, (_, code) =>
        String.fromCharCode(Number(code)),
      )
    expect(await answer(await sign('s3', '2026-12-01T12:00:00Z'))).toContain(
      "Credential should be scoped to correct service: 'sts'.",
    )
    expect(await answer(await sign('sts', '2026-12-01T11:40:00Z'))).toContain(
      'Signature expired: 20261201T114000Z is now earlier than 20261201T114500Z (20261201T120000Z - 15 min.)',
    )
    expect(await answer(await sign('sts', '2026-12-01T12:20:00Z'))).toContain(
      'Signature not yet current',
    )
    expect(await answer(await sign('sts', '2026-12-01T12:05:00Z'))).toContain('<Arn>')
  })

  const aws = '/usr/bin/aws'
  it.skipIf(!existsSync(aws))(
    'accepts what the real AWS CLI v2 signs, and reports a wrong region as STS would (skipped without /usr/bin/aws)',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'aws-home-'))
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_ACCESS_KEY_ID: bob.accessKeyId,
        AWS_SECRET_ACCESS_KEY: bob.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      }
      const cli = (args: string[]) =>
        promisify(execFile)(aws, [...args, '--endpoint-url', server.url, '--output', 'json'], {
          env,
          timeout: 60_000,
        })
      try {
        const { stdout } = await cli(['sts', 'get-caller-identity', '--region', 'us-east-1'])
        expect(JSON.parse(stdout)).toEqual({
          UserId: expect.any(String),
          Account: ACCOUNT,
          Arn: bob.arn,
        })
        // The AWS CLI signs its own header set; the local STS verified it.
        const signedHeaders = /SignedHeaders=([^,]+)/.exec(
          server.sts.state.requests.at(-1)!.headers.authorization!,
        )![1]
        expect(signedHeaders).toContain('x-amz-date')
        const fed = await cli([
          'sts',
          'get-federation-token',
          '--name',
          'cli-fed',
          '--region',
          'us-east-1',
        ])
        expect(JSON.parse(fed.stdout).FederatedUser.Arn).toBe(
          `arn:aws:sts::${ACCOUNT}:federated-user/cli-fed`,
        )
        const wrong = await cli(['sts', 'get-caller-identity', '--region', 'eu-west-1']).catch(
          (e: { code: number; stderr: string }) => e,
        )
        expect(wrong).toMatchObject({ code: 254 })
        expect((wrong as { stderr: string }).stderr).toContain(
          'An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: Credential should be scoped to a valid region.',
        )
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    },
  )
})

describe('CORS (option `cors`)', () => {
  const preflight = (sts: ReturnType<typeof createLocalSts>, headers: string) =>
    sts.fetch('https://sts.us-east-1.amazonaws.com/', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': headers,
      },
    })

  it('answers a preflight with the headers STS calls need, and amz-sdk-* headers', async () => {
    const sts = createLocalSts({ cors: true })
    const res = await preflight(
      sts,
      'authorization,content-type,x-amz-date,x-amz-security-token,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request,x-not-allowed',
    )
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080')
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
    expect(res.headers.get('access-control-allow-headers')!.split(', ')).toEqual([
      'authorization',
      'content-type',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-user-agent',
      'amz-sdk-invocation-id',
      'amz-sdk-request',
    ])
    expect(sts.requests).toHaveLength(0)
  })

  it('exposes Date and x-amzn-RequestId on answers, errors included (clock-skew correction reads Date)', async () => {
    const sts = createLocalSts({ cors: true })
    for (const credentials of [aliceKeys, { ...aliceKeys, secretAccessKey: 'wrong' }]) {
      const signed = await signRequest(
        {
          method: 'POST',
          url: 'https://sts.us-east-1.amazonaws.com/',
          headers: { 'content-type': FORM, origin: 'http://127.0.0.1:8080' },
          body: 'Action=GetCallerIdentity&Version=2011-06-15',
        },
        { credentials, region: 'us-east-1', service: 'sts' },
      )
      const res = await sts.fetch(signed.url, signed)
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080')
      expect(res.headers.get('access-control-expose-headers')).toBe('Date, x-amzn-RequestId')
    }
  })

  it('a fixed origin allows that origin only; without the option there are no CORS headers', async () => {
    const fixed = createLocalSts({ cors: 'https://app.example' })
    expect((await preflight(fixed, 'authorization')).status).toBe(403)
    const none = createLocalSts()
    const res = await preflight(none, 'authorization')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('faults a user can switch on (in-process, through fetch: sts.fetch)', () => {
  const sts = createLocalSts()
  afterEach(() => {
    sts.stop()
    sts.reset()
  })
  const config = (c: Partial<StsConfig> = {}): StsConfig => ({
    region: 'us-east-1',
    credentials: aliceKeys,
    fetch: sts.fetch,
    retryDelayMs: 1,
    ...c,
  })

  it('throttle: Throttling (400) for the next N requests, then an answer; the client retried', async () => {
    sts.faults = { throttle: 2 }
    await expect(getCallerIdentity(config())).resolves.toMatchObject({ Arn: alice.arn })
    expect(sts.requests).toHaveLength(3)
    sts.faults = { throttle: 5 }
    const err = await failure(getCallerIdentity(config({ maxAttempts: 2 })))
    expect([err.code, err.status]).toEqual(['Throttling', 400])
  })

  it('serverError: an STS 5xx in STS XML, with the code asked for', async () => {
    sts.faults = { serverError: { count: 5, status: 500, code: 'InternalFailure' } }
    const err = await failure(getCallerIdentity(config({ maxAttempts: 1 })))
    expect([err.code, err.status]).toEqual(['InternalFailure', 500])
  })

  it('networkError: fetch rejects as it does when it cannot connect', async () => {
    sts.faults = { networkError: 1 }
    await expect(sts.fetch('https://sts.amazonaws.com/')).rejects.toThrow(TypeError)
    sts.faults = { networkError: 1 }
    await expect(getCallerIdentity(config())).resolves.toMatchObject({ Arn: alice.arn })
  })

  it('hang: no answer until the caller gives up (the client’s timeout fires)', async () => {
    sts.faults = { hang: true }
    const started = Date.now()
    const err = await failure(getCallerIdentity(config({ timeoutMs: 100, maxAttempts: 1 })))
    expect(err.code).toBe('TimeoutError')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('skewMs: the server clock runs ahead; the client learns it from Date and re-signs once', async () => {
    sts.faults = { skewMs: 30 * 60_000 }
    await expect(getCallerIdentity(config())).resolves.toMatchObject({ Arn: alice.arn })
    expect(sts.requests).toHaveLength(2)
  })
})

describe('in workerd (Miniflare)', () => {
  const root = new URL('..', import.meta.url).pathname
  const worker = (script: string, extra: Record<string, unknown> = {}) =>
    new Miniflare({
      compatibilityDate: '2025-09-01',
      modules: [
        { type: 'ESModule', path: `${root}worker.mjs`, contents: script },
        { type: 'ESModule', path: `${root}dist/index.js` },
        { type: 'ESModule', path: `${root}dist/testing.js` },
      ],
      ...extra,
    })

  it('the local STS runs inside a Worker: createLocalSts and assumeRole with fetch: sts.fetch', async () => {
    const mf = worker(`
      import { assumeRole } from './dist/index.js'
      import { createLocalSts, EXAMPLE_USERS, EXAMPLE_ACCOUNT } from './dist/testing.js'
      export default {
        async fetch() {
          const sts = createLocalSts()
          const [alice] = EXAMPLE_USERS
          const out = await assumeRole(
            { RoleArn: 'arn:aws:iam::' + EXAMPLE_ACCOUNT + ':role/demo', RoleSessionName: 'in-workerd' },
            { region: 'us-east-1', fetch: sts.fetch,
              credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey } },
          )
          return Response.json({ arn: out.AssumedRoleUser.Arn, requests: sts.requests.length })
        },
      }`)
    try {
      const res = await mf.dispatchFetch('http://localhost/')
      const text = await res.text()
      expect(res.status, text).toBe(200)
      expect(JSON.parse(text)).toEqual({
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/demo/in-workerd`,
        requests: 1,
      })
    } finally {
      await mf.dispose()
    }
  })

  it('Worker code unchanged, its outbound fetch routed to the local STS (outboundService)', async () => {
    const sts = createLocalSts()
    const mf = worker(
      `
      import { getCallerIdentity } from './dist/index.js'
      export default {
        async fetch(request, env) {
          const out = await getCallerIdentity({
            region: 'eu-west-1',
            credentials: { accessKeyId: env.KEY_ID, secretAccessKey: env.SECRET },
          })
          return Response.json(out)
        },
      }`,
      {
        bindings: { KEY_ID: alice.accessKeyId, SECRET: alice.secretAccessKey },
        outboundService: (request: Request) => sts.fetch(request),
      },
    )
    try {
      const res = await mf.dispatchFetch('http://localhost/')
      const text = await res.text()
      expect(res.status, text).toBe(200)
      expect(JSON.parse(text)).toMatchObject({ Arn: alice.arn, Account: ACCOUNT })
      expect(new URL(sts.requests[0]!.url).hostname).toBe('sts.eu-west-1.amazonaws.com')
    } finally {
      await mf.dispose()
    }
  })
})

describe('in Deno and Bun (the built entries)', () => {
  const root = new URL('..', import.meta.url).pathname
  const script = `
    import { assumeRole } from '${root}dist/index.js'
    import { createLocalSts, EXAMPLE_USERS, EXAMPLE_ACCOUNT } from '${root}dist/testing.js'
    const sts = createLocalSts()
    const [alice] = EXAMPLE_USERS
    const out = await assumeRole(
      { RoleArn: 'arn:aws:iam::' + EXAMPLE_ACCOUNT + ':role/demo', RoleSessionName: 'runtime' },
      { region: 'us-east-1', fetch: sts.fetch,
        credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey } },
    )
    console.log(JSON.stringify({ arn: out.AssumedRoleUser.Arn, requests: sts.requests.length }))
  `
  const expected = { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/demo/runtime`, requests: 1 }
  const runScript = async (runtime: string, args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'local-sts-runtime-'))
    try {
      writeFileSync(join(dir, 'main.mjs'), script)
      const { stdout } = await promisify(execFile)(
        `${root}node_modules/.bin/${runtime}`,
        [...args, join(dir, 'main.mjs')],
        {
          timeout: 60_000,
          killSignal: 'SIGKILL',
          env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
        },
      )
      return JSON.parse(stdout.trim().split('\n').pop()!)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it('Deno, with no permission at all (not even network): nothing leaves the process', async () =>
    expect(await runScript('deno', ['run', '--no-prompt'])).toEqual(expected))

  it('Bun', async () => expect(await runScript('bun', [])).toEqual(expected))
})

describe('published types of edge-sts/testing', () => {
  // Like test/types/consumer.ts for the edge entry: the declarations alone, under each runtime's types.
  const consumer = fileURLToPath(new URL('types/testing-consumer.ts', import.meta.url))
  const environments: [string, string[], string[]][] = [
    ['DOM', ['lib.es2022.d.ts', 'lib.dom.d.ts'], []],
    ['WebWorker', ['lib.es2022.d.ts', 'lib.webworker.d.ts'], []],
    ['Workers types', ['lib.es2022.d.ts'], ['@cloudflare/workers-types']],
    ['Node types', ['lib.es2022.d.ts'], ['node']],
  ]
  for (const [name, lib, types] of environments)
    it(`compile with ${name} alone, strictly, library checks on`, () => {
      const program = ts.createProgram([consumer], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        lib,
        types,
      })
      const messages = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      expect(messages).toEqual([])
    })
})
