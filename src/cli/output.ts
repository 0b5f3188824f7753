// What the command prints: the operation's result as the AWS CLI v2 prints it (`--output json`),
// shell exports (`env`) or the credential_process contract (`credential-process`).
import type { StsCredentials } from '../index.js'

/** The output formats. */
export const OUTPUTS = ['json', 'env', 'credential-process'] as const
/** One of {@link OUTPUTS}. */
export type Output = (typeof OUTPUTS)[number]

const two = (n: number) => String(n).padStart(2, '0')

/**
 * A time as the AWS CLI prints it (Python's `isoformat()` of a UTC time):
 * `2026-12-01T07:10:09+00:00`, with `.ffffff` microseconds only when there is a fraction.
 */
export const awsTimestamp = (date: Date): string => {
  const day = `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  const milliseconds = date.getUTCMilliseconds()
  const fraction = milliseconds === 0 ? '' : `.${String(milliseconds).padStart(3, '0')}000`
  return `${day}T${time}${fraction}+00:00`
}

// The result without what the AWS CLI leaves out (the request id, absent members), times in its format.
const printable = (value: unknown): unknown => {
  if (value instanceof Date) return awsTimestamp(value)
  if (Array.isArray(value)) return value.map(printable)
  if (typeof value !== 'object' || value === null) return value
  const result: Record<string, unknown> = {}
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) result[key] = printable(member)
  }
  return result
}

/**
 * The result as `aws sts … --output json` prints it: 4-space indents, no `RequestId`, times as
 * {@link awsTimestamp}; nothing at all for an empty result.
 */
export const toJson = (result: object): string => {
  const { RequestId: _requestId, ...rest } = result as { RequestId?: string }
  const value = printable(rest) as object
  if (Object.keys(value).length === 0) return ''
  return JSON.stringify(value, null, 4) + '\n'
}

/** The credential_process contract (Version 1), as `aws configure export-credentials` prints it. */
export const toCredentialProcess = (credentials: StsCredentials): string =>
  JSON.stringify(
    {
      Version: 1,
      AccessKeyId: credentials.AccessKeyId,
      SecretAccessKey: credentials.SecretAccessKey,
      SessionToken: credentials.SessionToken,
      Expiration: awsTimestamp(credentials.Expiration),
    },
    null,
    2,
  ) + '\n'

// Keys are base64 and times ISO 8601; anything else is single-quoted for POSIX shells.
const shellWord = (value: string) =>
  /^[\w+/=.:@,-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`

/** `export` lines for `eval "$(edge-sts …)"`, as `aws configure export-credentials --format env`. */
export const toEnv = (credentials: StsCredentials): string =>
  [
    ['AWS_ACCESS_KEY_ID', credentials.AccessKeyId],
    ['AWS_SECRET_ACCESS_KEY', credentials.SecretAccessKey],
    ['AWS_SESSION_TOKEN', credentials.SessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', awsTimestamp(credentials.Expiration)],
  ]
    .map(([name, value]) => `export ${name}=${shellWord(value!)}\n`)
    .join('')
