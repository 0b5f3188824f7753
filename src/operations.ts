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

/** Reads `Credentials` (all four fields required: a half-filled result is never returned). */
export const credentialsOf = (x: XmlFields): StsCredentials => {
  // Keys and tokens cannot contain whitespace; documentation samples wrap them for display.
  const [AccessKeyId, SecretAccessKey, SessionToken, e] = ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'].map(
    (p) => x.values['Credentials.' + p]?.replace(/\s+/g, '') || invalid(x, 'Credentials.' + p),
  ) as string[]
  const Expiration = new Date(e!)
  return isNaN(+Expiration) ? invalid(x, 'Credentials.Expiration') : { AccessKeyId: AccessKeyId!, SecretAccessKey: SecretAccessKey!, SessionToken: SessionToken!, Expiration }
}

/** The trimmed text of an optional field. */
export const text = (x: XmlFields, p: string): string | undefined => x.values[p]?.trim()

const TAG = (min: number, max: number): Check => str(min, max, /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/u)

const assumeRoleExtra = (i: AssumeRoleInput, add: Add) => {
  const seen = new Set()
  ;[i.Tags ?? []].flat().forEach((t, n) => {
    const k = String(t?.Key).toLowerCase()
    if (seen.has(k)) add(`Tags[${n}].Key`, 'unique', 'repeats a tag key (tag keys are case-insensitive)')
    seen.add(k)
  })
  // The MFA device and its code are only meaningful together.
  if ((i.SerialNumber == null) != (i.TokenCode == null)) add(i.TokenCode == null ? 'TokenCode' : 'SerialNumber', 'requires', 'SerialNumber and TokenCode go together')
  // The API reference: inline and managed session policies together take at most 2,048 plaintext characters.
  let plain = i.Policy?.length ?? 0
  if (plain <= 2048)
    for (const a of [i.PolicyArns ?? []].flat())
      if ((plain += a?.arn?.length ?? 0) > 2048) return add('Policy', 'length', 'with PolicyArns must be at most 2048 characters in all')
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
        Policy: str(1, 2048, /[^\t\n\r\u0020-\u00ff]/),
        DurationSeconds: int(900, 43200),
        Tags: list(50, struct({ Key: TAG(1, 128), Value: TAG(0, 256) })),
        TransitiveTagKeys: list(50, req(TAG(1, 128))),
        ExternalId: str(2, 1224, /[^\w+=,.@:/-]/),
        SerialNumber: str(9, 256, /[^\w+=/:,.@-]/),
        TokenCode: str(6, 6, /[^\d]/),
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
    return {
      Credentials: credentialsOf(x),
      AssumedRoleUser: id && arn ? { AssumedRoleId: id, Arn: arn } : id || arn ? invalid(x, 'AssumedRoleUser') : undefined,
      PackedPolicySize: size == null ? undefined : /^\d+$/.test(size) ? +size : invalid(x, 'PackedPolicySize'),
      SourceIdentity: text(x, 'SourceIdentity'),
      RequestId: x.requestId,
    }
  },
}
