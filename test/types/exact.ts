// The published types under exactOptionalPropertyTypes: optional fields take what an environment
// lookup gives (`string | undefined`), as the README's examples write them.
import {
  assumeRole,
  createSignedFetch,
  signRequest,
  StsError,
  type Credentials,
  type StsConfig,
  type StsErrorCode,
} from '../../dist/index.js'

declare const env: Record<string, string | undefined>

export async function exact(): Promise<StsErrorCode | undefined> {
  const credentials: Credentials = {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    sessionToken: env.AWS_SESSION_TOKEN,
  }
  const config: StsConfig = {
    credentials,
    region: env.AWS_REGION,
    endpoint: env.STS_ENDPOINT,
    timeoutMs: undefined,
    signal: undefined,
  }
  const signedFetch = createSignedFetch({
    credentials,
    region: 'us-east-1',
    service: 's3',
    timeoutMs: undefined,
  })
  await signedFetch('https://s3.amazonaws.com/b/k')
  await signRequest(
    { url: 'https://s3.amazonaws.com/b/k' },
    { credentials, region: 'us-east-1', service: 's3' },
  )
  try {
    await assumeRole({ RoleArn: 'arn:aws:iam::1:role/x', RoleSessionName: 'ab' }, config)
  } catch (e) {
    if (e instanceof StsError) {
      // Known codes complete; any other string STS sends still fits.
      const known: StsErrorCode = 'AccessDenied'
      const other: StsErrorCode = 'SomeFutureCode'
      if (e.code === known || e.code === other) return e.code
    }
  }
  return undefined
}
