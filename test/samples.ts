// The STS samples of the shared vectors (read at run time with the expected values of their index),
// and the ways the XML tests feed them to the extractor.
import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import { readStsXml, type StsBody } from '../src/xml.ts'
import { StsError } from '../src/errors.ts'

export const dir = new URL('../../shared/vectors/sts/', import.meta.url)
export const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'))
export type Sample = {
  file: string
  operation: string
  outcome: 'success' | 'error' | 'invalid'
  expected?: Record<string, string>
  raw_text?: Record<string, string>
  whitespace_removed?: Record<string, string>
  absent?: string[]
  http_status?: number
}
export const samples: Sample[] = index.samples

export const PATHS: Record<string, string[]> = {
  AssumeRole: [
    'Credentials.AccessKeyId',
    'Credentials.SecretAccessKey',
    'Credentials.SessionToken',
    'Credentials.Expiration',
    'AssumedRoleUser.Arn',
    'AssumedRoleUser.AssumedRoleId',
    'PackedPolicySize',
    'SourceIdentity',
  ],
  AssumeRoleWithWebIdentity: [
    'Credentials.AccessKeyId',
    'Credentials.SecretAccessKey',
    'Credentials.SessionToken',
    'Credentials.Expiration',
    'AssumedRoleUser.Arn',
    'AssumedRoleUser.AssumedRoleId',
    'PackedPolicySize',
    'SourceIdentity',
    'Audience',
    'SubjectFromWebIdentityToken',
    'Provider',
  ],
  GetSessionToken: [
    'Credentials.AccessKeyId',
    'Credentials.SecretAccessKey',
    'Credentials.SessionToken',
    'Credentials.Expiration',
  ],
  GetCallerIdentity: ['UserId', 'Account', 'Arn'],
}
// The index names credential leaves without their Credentials parent.
export const credentialKey = (k: string) =>
  ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'].includes(k)
    ? `Credentials.${k}`
    : k

export const bytesOf = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)))
export const streamOf = (bytes: Uint8Array, cuts: number[]) => {
  const points = [0, ...cuts, bytes.length]
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < points.length - 1) c.enqueue(bytes.slice(points[i], points[++i]))
      else c.close()
    },
  })
}
// The operation a sample is read as: error samples are read as the operation they answered.
export const opOf = (s: Sample) =>
  s.operation === 'Error'
    ? s.file.includes('get-session-token')
      ? 'GetSessionToken'
      : s.file.includes('identity-token')
        ? 'AssumeRoleWithWebIdentity'
        : 'AssumeRole'
    : s.operation

export const outcome = async (s: Sample, body: StsBody) => {
  try {
    return { ok: await readStsXml(body, opOf(s), PATHS[opOf(s)]!) }
  } catch (e) {
    expect(e).toBeInstanceOf(StsError)
    const err = e as StsError
    return {
      err: { code: err.code, message: err.message, type: err.type, requestId: err.requestId },
    }
  }
}
