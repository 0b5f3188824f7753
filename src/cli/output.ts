// What the command prints: the operation's result as the AWS CLI v2 prints it (`--output json`),
// shell exports (`env`) or the credential_process contract (`credential-process`).
import type { StsCredentials } from '../index.js'

/** The output formats. */
export const OUTPUTS = ['json', 'text', 'env', 'credential-process'] as const
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

// The result without what the AWS CLI leaves out (absent members), times in its format.
const printableValue = (value: unknown): unknown => {
  if (value instanceof Date) return awsTimestamp(value)
  if (Array.isArray(value)) return value.map(printableValue)
  if (typeof value !== 'object' || value === null) return value
  const result: Record<string, unknown> = {}
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) result[key] = printableValue(member)
  }
  return result
}

/** A result as the AWS CLI formats it: no `RequestId`, no absent members, times as text. */
export const printable = (result: object): Record<string, unknown> => {
  const { RequestId: _requestId, ...rest } = result as { RequestId?: string }
  return printableValue(rest) as Record<string, unknown>
}

/**
 * The result as `aws sts … --output json` prints it: 4-space indents, no `RequestId`, times as
 * {@link awsTimestamp}; nothing at all for an empty result.
 */
export const toJson = (result: object): string => {
  const value = printable(result)
  if (Object.keys(value).length === 0) return ''
  return JSON.stringify(value, null, 4) + '\n'
}

// `--output text`, as the AWS CLI's text formatter writes it: a structure's scalar members on one
// line (tab-separated, in sorted key order, after the upper-cased name of the member holding it),
// then its nested members the same way; a list of scalars on one line.
const isContainer = (value: unknown) => typeof value === 'object' && value !== null
const scalarText = (value: unknown) => (value === null ? 'None' : String(value))

const textOf = (
  item: unknown,
  lines: string[],
  identifier?: string,
  scalarKeys?: string[],
): void => {
  if (Array.isArray(item)) textOfList(item, lines, identifier)
  else if (isContainer(item))
    textOfStructure(item as Record<string, unknown>, lines, identifier, scalarKeys)
  else lines.push(scalarText(item))
}

const scalarLine = (elements: unknown[], lines: string[], identifier?: string) => {
  if (identifier === undefined) lines.push(elements.map(scalarText).join('\t'))
  else
    for (const element of elements)
      lines.push(`${identifier.toUpperCase()}\t${scalarText(element)}`)
}

const textOfList = (items: unknown[], lines: string[], identifier?: string) => {
  if (items.length === 0) return
  const structures = items.some((item) => isContainer(item) && !Array.isArray(item))
  if (structures) {
    const keys = new Set<string>()
    for (const item of items) {
      if (!isContainer(item) || Array.isArray(item)) continue
      for (const [key, value] of Object.entries(item)) if (!isContainer(value)) keys.add(key)
    }
    const scalarKeys = [...keys].sort()
    for (const item of items) textOf(item, lines, identifier, scalarKeys)
    return
  }
  const scalars = items.filter((item) => !isContainer(item))
  if (scalars.length > 0) scalarLine(scalars, lines, identifier)
  for (const item of items.filter(isContainer)) textOf(item, lines, identifier)
}

const textOfStructure = (
  item: Record<string, unknown>,
  lines: string[],
  identifier?: string,
  scalarKeys?: string[],
) => {
  const scalars: string[] = []
  const nested: [string, unknown][] = []
  if (scalarKeys === undefined) {
    for (const key of Object.keys(item).sort()) {
      if (isContainer(item[key])) nested.push([key, item[key]])
      else scalars.push(scalarText(item[key]))
    }
  } else {
    for (const key of scalarKeys)
      scalars.push(Object.hasOwn(item, key) ? scalarText(item[key]) : '')
    for (const key of Object.keys(item).sort()) {
      if (!scalarKeys.includes(key)) nested.push([key, item[key]])
    }
  }
  if (scalars.length > 0) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase())
    lines.push(scalars.join('\t'))
  }
  for (const [key, value] of nested) textOf(value, lines, key)
}

/** A value (a printable result, or what --query selected) as `--output text` prints it. */
export const toText = (value: unknown): string => {
  const lines: string[] = []
  textOf(value, lines)
  return lines.map((line) => `${line}\n`).join('')
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
