// What the browser suite runs inside the page, against the library's browser bundle (passed in by
// the page, which imports dist/index.js). Each check returns plain JSON for the test to assert on;
// errors are described by their public fields, never their secrets.
import type * as EdgeSts from '../../src/index.ts'
import { runSigningCases } from './signing-cases.ts'

export interface BrowserConfig {
  endpoint: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  roleArn: string
  mfaRoleArn: string
  mfaSerial: string
  mfaCode: string
}

export function createChecks(edge: typeof EdgeSts) {
  const describe = (error: any) => ({
    name: error?.name,
    isEdgeStsError: error instanceof edge.EdgeStsError,
    code: error?.code,
    status: error?.status,
    retryable: error?.retryable,
    params: error instanceof edge.StsValidationError ? error.issues.map((i) => i.param) : undefined,
    cause: error?.cause ? String(error.cause?.message ?? error.cause) : undefined,
  })
  const settle = async <T>(work: () => Promise<T>) => {
    const started = performance.now()
    try {
      const value = await work()
      return { ok: true as const, value, elapsedMs: performance.now() - started }
    } catch (error) {
      return { ok: false as const, error: describe(error), elapsedMs: performance.now() - started }
    }
  }
  const base = (config: BrowserConfig) => ({
    endpoint: config.endpoint,
    region: 'us-east-1',
    retryDelayMs: 5,
  })
  const summary = (out: EdgeSts.AssumeRoleOutput) => ({
    accessKeyId: out.Credentials.AccessKeyId,
    hasSecret: out.Credentials.SecretAccessKey.length > 0,
    tokenLength: out.Credentials.SessionToken.length,
    expirationIsDate: out.Credentials.Expiration instanceof Date,
    arn: out.AssumedRoleUser?.Arn,
    requestId: out.RequestId,
  })

  return {
    environment: () => ({
      isSecureContext: globalThis.isSecureContext,
      hasSubtle: typeof crypto?.subtle?.importKey === 'function',
      userAgent: navigator.userAgent,
    }),

    assumeRole: (config: BrowserConfig, sessionName: string) =>
      settle(async () =>
        summary(
          await edge.assumeRole(
            { RoleArn: config.roleArn, RoleSessionName: sessionName },
            { ...base(config), credentials: config.credentials },
          ),
        ),
      ),

    mfa: (config: BrowserConfig, tokenCode: string) =>
      settle(async () =>
        summary(
          await edge.assumeRole(
            {
              RoleArn: config.mfaRoleArn,
              RoleSessionName: 'browser-mfa',
              SerialNumber: config.mfaSerial,
              TokenCode: tokenCode,
            },
            { ...base(config), credentials: config.credentials },
          ),
        ),
      ),

    // The session's own credentials (with their token) sign GetCallerIdentity.
    sessionIdentity: (config: BrowserConfig) =>
      settle(async () => {
        const { Credentials } = await edge.assumeRole(
          { RoleArn: config.roleArn, RoleSessionName: 'browser-session' },
          { ...base(config), credentials: config.credentials },
        )
        return edge.getCallerIdentity({
          ...base(config),
          credentials: edge.toIdentity(Credentials),
        })
      }),

    signing: () => runSigningCases(edge),

    signedFetch: (config: BrowserConfig) =>
      settle(async () => {
        const signedFetch = edge.createSignedFetch({
          credentials: config.credentials,
          region: 'us-east-1',
          service: 'sts',
        })
        const response = await signedFetch(config.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: 'Action=GetCallerIdentity&Version=2011-06-15',
        })
        return { status: response.status, text: await response.text() }
      }),

    // Two concurrent callers and a later one: one STS call, the same credentials.
    caching: (config: BrowserConfig) =>
      settle(async () => {
        const provider = edge.fromAssumeRole(
          { RoleArn: config.roleArn, RoleSessionName: 'browser-cache' },
          { ...base(config), credentials: config.credentials },
        )
        const [first, second] = await Promise.all([provider(), provider()])
        const third = await provider()
        return {
          keys: [first.accessKeyId, second.accessKeyId, third.accessKeyId],
          expirationIsDate: first.expiration instanceof Date,
        }
      }),

    abort: (config: BrowserConfig, afterMs: number) =>
      settle(async () => {
        const controller = new AbortController()
        setTimeout(() => controller.abort(), afterMs)
        return edge.assumeRole(
          { RoleArn: config.roleArn, RoleSessionName: 'browser-abort' },
          { ...base(config), credentials: config.credentials, signal: controller.signal },
        )
      }),

    timeout: (config: BrowserConfig, timeoutMs: number) =>
      settle(() =>
        edge.assumeRole(
          { RoleArn: config.roleArn, RoleSessionName: 'browser-timeout' },
          { ...base(config), credentials: config.credentials, timeoutMs, maxAttempts: 1 },
        ),
      ),

    validation: (config: BrowserConfig) =>
      settle(() =>
        edge.assumeRole(
          { RoleArn: 'not-an-arn', RoleSessionName: 'x' },
          { ...base(config), credentials: config.credentials },
        ),
      ),

    // A streamed upload to `url`: fetch with a ReadableStream body and duplex 'half'.
    streamedUpload: (config: BrowserConfig, url: string) =>
      settle(async () => {
        const signedFetch = edge.createSignedFetch({
          credentials: config.credentials,
          region: 'us-east-1',
          service: 's3',
          unsignedPayload: true,
          maxAttempts: 1,
        })
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('streamed '))
            controller.enqueue(new TextEncoder().encode('upload ✓'))
            controller.close()
          },
        })
        const response = await signedFetch(url, { method: 'PUT', body })
        return { status: response.status, text: await response.text() }
      }),
  }
}

export type Checks = ReturnType<typeof createChecks>
