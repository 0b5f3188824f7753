// assumeRole over real loopback HTTP against the local STS, which verifies every signature (with
// the package's own SigV4 code; its check is tested against @smithy/signature-v4 in testing.test.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assumeRole } from '../src/sts.ts'
import { StsError } from '../src/errors.ts'
import type { StsConfig } from '../src/client.ts'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

let server: Awaited<ReturnType<typeof startLocalSts>>
beforeAll(async () => void (server = await startLocalSts()))
afterAll(() => server.close())
afterEach(() => server.sts.reset())

const alice = USERS[0]!
const credentials = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`
const cfg = (c: Partial<StsConfig> = {}): StsConfig => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials,
  retryDelayMs: 1,
  timeoutMs: 3000,
  ...c,
})
const fail = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('resolved'),
    (e: StsError) => e,
  )

describe('assumeRole against the local STS', () => {
  it('assumes a role', async () => {
    const out = await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'plain' }, cfg())
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(out.Credentials.SessionToken.length).toBeGreaterThan(400)
    expect(out.Credentials.Expiration.getTime() - Date.now()).toBeGreaterThan(3500_000)
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/demo/plain`)
    expect(out.RequestId).toBe(
      server.sts.state.requests[0]!.headers['x-amzn-requestid'] ?? out.RequestId,
    )
  })

  it('sends every parameter so that the server decodes exactly the input (+ as %2B)', async () => {
    const out = await assumeRole(
      {
        RoleArn: role('demo'),
        RoleSessionName: 'a+b=c,d.e@f-g_h',
        DurationSeconds: 900,
        Policy:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Sid":"a b+c"}]}',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
        Tags: [{ Key: 'team name', Value: 'platform+ops/été' }],
        TransitiveTagKeys: ['team name'],
        SourceIdentity: 'alice+1',
      },
      cfg(),
    )
    const p = server.sts.state.requests[0]!.params
    expect(p.RoleSessionName).toBe('a+b=c,d.e@f-g_h')
    expect(p['Tags.member.1.Value']).toBe('platform+ops/été')
    expect(p['Tags.member.1.Key']).toBe('team name')
    expect(p['PolicyArns.member.1.arn']).toBe('arn:aws:iam::aws:policy/ReadOnlyAccess')
    expect(p['TransitiveTagKeys.member.1']).toBe('team name')
    expect(JSON.parse(p.Policy!).Statement[0].Sid).toBe('a b+c')
    expect(out.SourceIdentity).toBe('alice+1')
    expect(out.PackedPolicySize).toBeGreaterThan(0)
  })

  it('chains roles with the returned temporary credentials (session token signed)', async () => {
    const first = await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'hop1' }, cfg())
    const c = first.Credentials
    const second = await assumeRole(
      { RoleArn: role('chained'), RoleSessionName: 'hop2' },
      cfg({
        credentials: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
        },
      }),
    )
    expect(second.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/chained/hop2`)
    expect(server.sts.state.requests[1]!.headers['x-amz-security-token']).toBe(c.SessionToken)
    // Chaining caps the session at one hour, as STS does.
    const err = await fail(
      assumeRole(
        { RoleArn: role('chained'), RoleSessionName: 'hop3', DurationSeconds: 7200 },
        cfg({
          credentials: {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
          },
        }),
      ),
    )
    expect(err).toMatchObject({ code: 'ValidationError', status: 400, retryable: false })
  })

  it('passes MFA, and reports a wrong code as AccessDenied', async () => {
    const ok = await assumeRole(
      {
        RoleArn: role('mfa'),
        RoleSessionName: 'mfa',
        SerialNumber: alice.mfaSerial,
        TokenCode: alice.mfaCode,
      },
      cfg(),
    )
    expect(ok.AssumedRoleUser?.Arn).toContain('assumed-role/mfa/mfa')
    const err = await fail(
      assumeRole(
        {
          RoleArn: role('mfa'),
          RoleSessionName: 'mfa',
          SerialNumber: alice.mfaSerial,
          TokenCode: '000000',
        },
        cfg(),
      ),
    )
    expect(err).toMatchObject({
      code: 'AccessDenied',
      type: 'Sender',
      status: 403,
      retryable: false,
    })
    expect(err.message).not.toContain('000000')
  })

  it('requires the ExternalId of a partner role', async () => {
    expect(
      (await fail(assumeRole({ RoleArn: role('partner'), RoleSessionName: 'pp' }, cfg()))).code,
    ).toBe('AccessDenied')
    expect(
      (
        await assumeRole(
          { RoleArn: role('partner'), RoleSessionName: 'pp', ExternalId: 'partner-ext-id' },
          cfg(),
        )
      ).Credentials,
    ).toBeDefined()
  })

  it('reports AccessDenied with the STS message and RequestId', async () => {
    const err = await fail(assumeRole({ RoleArn: role('locked'), RoleSessionName: 'xx' }, cfg()))
    expect(err).toBeInstanceOf(StsError)
    expect(err.message).toBe(
      `User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: ${role('locked')}`,
    )
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(server.sts.state.requests).toHaveLength(1)
  })

  it('reports a wrong secret as SignatureDoesNotMatch and an unknown key as InvalidClientTokenId', async () => {
    expect(
      (
        await fail(
          assumeRole(
            { RoleArn: role('demo'), RoleSessionName: 'xx' },
            cfg({ credentials: { ...credentials, secretAccessKey: 'wrong' } }),
          ),
        )
      ).code,
    ).toBe('SignatureDoesNotMatch')
    expect(
      (
        await fail(
          assumeRole(
            { RoleArn: role('demo'), RoleSessionName: 'xx' },
            cfg({ credentials: { ...credentials, accessKeyId: 'AKIAUNKNOWN' } }),
          ),
        )
      ).code,
    ).toBe('InvalidClientTokenId')
  })

  it('reports MalformedPolicyDocument and PackedPolicyTooLarge', async () => {
    expect(
      (
        await fail(
          assumeRole({ RoleArn: role('demo'), RoleSessionName: 'xx', Policy: '{not json' }, cfg()),
        )
      ).code,
    ).toBe('MalformedPolicyDocument')
    const tags = Array.from({ length: 20 }, (_, i) => ({ Key: `key${i}`, Value: 'v'.repeat(250) }))
    expect(
      (await fail(assumeRole({ RoleArn: role('demo'), RoleSessionName: 'xx', Tags: tags }, cfg())))
        .code,
    ).toBe('PackedPolicyTooLarge')
  })

  it('rejects bad input before sending anything', async () => {
    const err = await fail(
      assumeRole({ RoleArn: role('demo'), RoleSessionName: 'no spaces allowed' }, cfg()),
    )
    expect(err.code).toBe('ValidationError')
    expect(server.sts.state.requests).toHaveLength(0)
  })

  it('retries throttling until it succeeds, and stops at maxAttempts', async () => {
    server.sts.faults = { throttle: 2 }
    await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'thr' }, cfg())
    expect(server.sts.state.requests).toHaveLength(3)
    server.sts.reset()
    server.sts.faults = { throttle: 5 }
    const err = await fail(
      assumeRole({ RoleArn: role('demo'), RoleSessionName: 'thr' }, cfg({ maxAttempts: 3 })),
    )
    expect(err).toMatchObject({ code: 'Throttling', status: 400, retryable: true })
    expect(server.sts.state.requests).toHaveLength(3)
  })

  it('retries an HTML 503 from a proxy and a reset connection', async () => {
    server.sts.faults = { html5xx: { count: 1, status: 503 }, reset: { count: 1, when: 'before' } }
    await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'flaky' }, cfg())
    server.sts.reset()
    server.sts.faults = { reset: { count: 1, when: 'mid' } }
    await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'flaky' }, cfg())
    expect(server.sts.state.requests).toHaveLength(2)
  })

  it('reads a response streamed one byte at a time', async () => {
    server.sts.faults = { chunkSize: 1 }
    const out = await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'drip' }, cfg())
    expect(out.AssumedRoleUser?.Arn).toContain('/drip')
  })

  it('rejects a truncated and an empty response without retrying them forever', async () => {
    server.sts.faults = { truncateAt: 300 }
    expect(
      (await fail(assumeRole({ RoleArn: role('demo'), RoleSessionName: 'tt' }, cfg()))).code,
    ).toBe('InvalidResponse')
    server.sts.faults = { emptyBody: true }
    expect(
      (await fail(assumeRole({ RoleArn: role('demo'), RoleSessionName: 'tt' }, cfg()))).code,
    ).toBe('InvalidResponse')
    server.sts.faults = { errorsAs200: true, throttle: 1 }
    server.sts.state.requests.length = 0
    await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'tt' }, cfg())
    expect(server.sts.state.requests).toHaveLength(2)
  })

  it('times out a slow answer', async () => {
    server.sts.faults = { delayMs: 2000 }
    const t = Date.now()
    const err = await fail(
      assumeRole(
        { RoleArn: role('demo'), RoleSessionName: 'slow' },
        cfg({ timeoutMs: 100, maxAttempts: 2 }),
      ),
    )
    expect(err).toMatchObject({ code: 'TimeoutError', retryable: true })
    expect(Date.now() - t).toBeLessThan(1500)
  })

  it('times out a body that drips past the limit', async () => {
    server.sts.faults = { chunkSize: 50, chunkDelayMs: 40 }
    const err = await fail(
      assumeRole(
        { RoleArn: role('demo'), RoleSessionName: 'drip' },
        cfg({ timeoutMs: 150, maxAttempts: 1 }),
      ),
    )
    expect(err.code).toBe('TimeoutError')
  })

  it('aborts while waiting for the answer', async () => {
    server.sts.faults = { delayMs: 2000 }
    const ctl = new AbortController()
    setTimeout(() => ctl.abort(), 50)
    const t = Date.now()
    const err = await fail(
      assumeRole({ RoleArn: role('demo'), RoleSessionName: 'abort' }, cfg({ signal: ctl.signal })),
    )
    expect(err).toMatchObject({ code: 'AbortError', retryable: false })
    expect(Date.now() - t).toBeLessThan(1000)
  })

  it('corrects a skewed clock from the Date header and re-signs once', async () => {
    server.sts.faults = { skewMs: 2 * 3600_000 }
    const out = await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'skew' }, cfg())
    expect(out.Credentials.Expiration.getTime() - Date.now()).toBeGreaterThan(2 * 3600_000)
    const [first, second] = server.sts.state.requests
    expect(first!.headers['x-amz-date']).not.toBe(second!.headers['x-amz-date'])
    // Later calls to this endpoint sign with the learned offset straight away.
    server.sts.state.requests.length = 0
    await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'skew' }, cfg())
    expect(server.sts.state.requests).toHaveLength(1)
    // And they recover when the server's clock is right again.
    server.sts.faults = {}
    await assumeRole({ RoleArn: role('demo'), RoleSessionName: 'skew' }, cfg())
  })
})
