// A consumer of the published types: must compile under DOM, WebWorker, Workers types and Node types alone.
import {
  assumeRole,
  parseStsResponse,
  presignUrl,
  signRequest,
  AssumeRole,
  StsError,
  StsValidationError,
} from '../../dist/index.js'
import type { AssumeRoleOutput, StsConfig, SignedRequest } from '../../dist/index.js'

export async function consumer(
  body: ReadableStream<Uint8Array>,
  res: Response,
  f: typeof fetch,
  signal: AbortSignal,
): Promise<Date[]> {
  const config: StsConfig = {
    region: 'us-east-1',
    credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
    fetch: f,
    signal,
  }
  const out: AssumeRoleOutput = await assumeRole(
    { RoleArn: 'arn:aws:iam::1:role/x', RoleSessionName: 'ab', Tags: [{ Key: 'k', Value: 'v' }] },
    config,
  )
  const parsed = await parseStsResponse(AssumeRole, body)
  const again = await parseStsResponse(AssumeRole, res)
  const signed: SignedRequest = await signRequest(
    { url: 'https://s3.amazonaws.com/b/k', headers: new Headers({ a: 'b' }) },
    { credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, region: 'us-east-1', service: 's3' },
  )
  const url: string = await presignUrl(
    { url: new URL('https://s3.amazonaws.com/b/k'), body: new Uint8Array(1) },
    {
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      region: 'us-east-1',
      service: 's3',
      expiresIn: 60,
    },
  )
  await f(signed.url, signed)
  const put = await signRequest(
    { method: 'PUT', url: 'https://s3.amazonaws.com/b/k', body: new TextEncoder().encode('x') },
    { credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, region: 'us-east-1', service: 's3' },
  )
  await f(put.url, put)
  const post = await signRequest(
    {
      method: 'POST',
      url: 'https://sts.amazonaws.com/',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers: [['content-type', 'application/x-www-form-urlencoded']],
    },
    {
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      region: 'us-east-1',
      service: 'sts',
    },
  )
  await f(post.url, post)
  try {
    void url
  } catch (e) {
    if (e instanceof StsError) void [e.code, e.requestId, e.status, e.retryable]
    if (e instanceof StsValidationError) void e.issues.map((i) => i.param)
  }
  return [out.Credentials.Expiration, parsed.Credentials.Expiration, again.Credentials.Expiration]
}
