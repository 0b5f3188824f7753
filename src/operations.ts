import { StsError } from './errors.ts'
import { ARN, NAME, int, list, req, str, struct, validate, type Add, type Check } from './validate.ts'
import type { XmlFields } from './xml.ts'

/** Temporary credentials as STS returns them. */
export interface StsCredentials {
  AccessKeyId: string
  SecretAccessKey: string
  SessionToken: string
  /** When the credentials stop working. */
  Expiration: Date
}

/** What an STS operation needs: its action, its input rules and how to read its result. */
export interface Operation<I, O> {
  action: string
  /** Calls without SigV4 (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  unsigned?: boolean
  check: (input: I) => void
  paths: readonly string[]
  out: (x: XmlFields) => O
}

/** Input of AssumeRole (AWS SDK v3 `AssumeRoleCommandInput` names and shapes). */
export interface AssumeRoleInput {
  RoleArn: string
  RoleSessionName: string
  PolicyArns?: { arn: string }[]
  Policy?: string
  DurationSeconds?: number
  Tags?: { Key: string; Value: string }[]
  TransitiveTagKeys?: string[]
  ExternalId?: string
  SerialNumber?: string
  TokenCode?: string
  SourceIdentity?: string
  ProvidedContexts?: { ProviderArn: string; ContextAssertion: string }[]
}

/** Output of AssumeRole (AWS SDK v3 `AssumeRoleCommandOutput` names and shapes). */
export interface AssumeRoleOutput {
  Credentials: StsCredentials
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string }
  PackedPolicySize?: number
  SourceIdentity?: string
  RequestId?: string
}

const invalid = (x: XmlFields, what: string): never => {
  throw new StsError('InvalidResponse', `the STS response has no valid ${what}`, { requestId: x.requestId })
}

const CREDENTIALS = ['Credentials.AccessKeyId', 'Credentials.SecretAccessKey', 'Credentials.SessionToken', 'Credentials.Expiration']

/** Reads `Credentials` (all four fields required: a half-filled result is never returned). */
export const credentialsOf = (x: XmlFields): StsCredentials => {
  // Keys and tokens cannot contain whitespace; documentation samples wrap them for display.
  const [AccessKeyId, SecretAccessKey, SessionToken, e] = CREDENTIALS.map((p, i) => {
    const v = x.values[p]?.replace(i < 3 ? /\s+/g : /^\s+|\s+$/g, '')
    return v || invalid(x, p)
  }) as string[]
  const Expiration = new Date(e!)
  if (isNaN(+Expiration)) invalid(x, 'Credentials.Expiration')
  return { AccessKeyId: AccessKeyId!, SecretAccessKey: SecretAccessKey!, SessionToken: SessionToken!, Expiration }
}

/** The trimmed text of an optional field. */
export const text = (x: XmlFields, p: string): string | undefined => x.values[p]?.trim()

const TAG = (max: number): Check => str(max > 128 ? 0 : 1, max, /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/u, ' (use letters, digits, spaces and _.:/=+-@)')

const assumeRoleExtra = (i: AssumeRoleInput, add: Add) => {
  // The API reference: inline and managed session policies together take at most 2,048 plaintext characters.
  const policy = typeof i.Policy == 'string' ? i.Policy.length : 0
  const plain = policy + (Array.isArray(i.PolicyArns) ? i.PolicyArns.reduce((n, a) => n + (a?.arn?.length || 0), 0) : 0)
  if (plain > 2048 && policy <= 2048) add('Policy', 'length', `together with PolicyArns must be at most 2048 characters, not ${plain}`)
  const seen = new Set<string>()
  if (Array.isArray(i.Tags))
    i.Tags.forEach((t, n) => {
      const k = typeof t?.Key == 'string' && t.Key.toLowerCase()
      if (k !== false && seen.has(k)) add(`Tags[${n}].Key`, 'unique', 'repeats an earlier tag key (tag keys are case-insensitive)')
      if (k !== false) seen.add(k)
    })
  // The MFA device and its code are only meaningful together.
  if ((i.SerialNumber == null) != (i.TokenCode == null))
    add(i.TokenCode == null ? 'TokenCode' : 'SerialNumber', 'requires', 'SerialNumber and TokenCode must be given together')
}

/** AssumeRole: the rules of the STS API reference, checked before anything is sent. */
export const AssumeRole: Operation<AssumeRoleInput, AssumeRoleOutput> = {
  action: 'AssumeRole',
  check: (input) =>
    validate(
      input,
      {
        RoleArn: req(ARN),
        RoleSessionName: req(NAME(2, 64)),
        PolicyArns: list(10, struct({ arn: ARN })),
        Policy: str(1, 2048, /[^\t\n\r\u0020-\u00ff]/, ' (use TAB, LF, CR and U+0020 to U+00FF)'),
        DurationSeconds: int(900, 43200),
        Tags: list(50, struct({ Key: TAG(128), Value: TAG(256) })),
        TransitiveTagKeys: list(50, req(TAG(128))),
        ExternalId: str(2, 1224, /[^\w+=,.@:/-]/, ' (use letters, digits and _+=,.@:/-)'),
        SerialNumber: str(9, 256, /[^\w+=/:,.@-]/, ' (use letters, digits and _+=/:,.@-)'),
        TokenCode: str(6, 6, /\D/, ' (use the 6 digits the MFA device shows)'),
        SourceIdentity: NAME(2, 64),
        ProvidedContexts: list(5, struct({ ProviderArn: ARN, ContextAssertion: str(4, 2048) })),
      },
      assumeRoleExtra,
    ),
  paths: ['Credentials.AccessKeyId', 'Credentials.SecretAccessKey', 'Credentials.SessionToken', 'Credentials.Expiration', 'AssumedRoleUser.AssumedRoleId', 'AssumedRoleUser.Arn', 'PackedPolicySize', 'SourceIdentity'],
  out: (x) => {
    const id = text(x, 'AssumedRoleUser.AssumedRoleId')
    const arn = text(x, 'AssumedRoleUser.Arn')
    const size = text(x, 'PackedPolicySize')
    if (size && !/^\d+$/.test(size)) invalid(x, 'PackedPolicySize')
    return {
      Credentials: credentialsOf(x),
      AssumedRoleUser: id && arn ? { AssumedRoleId: id, Arn: arn } : id || arn ? invalid(x, 'AssumedRoleUser') : undefined,
      PackedPolicySize: size ? +size : undefined,
      SourceIdentity: text(x, 'SourceIdentity'),
      RequestId: x.requestId,
    }
  },
}
