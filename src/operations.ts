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
// Shared rules, built when a check runs: module-level calls would defeat tree-shaking.
const POLICY = () => str(1, 2048, /[^\t\n\r\u0020-\u00ff]/)
const POLICY_ARNS = () => list(10, struct({ arn: ARN() }))
const TAGS = () => list(50, struct({ Key: TAG(1, 128), Value: TAG(0, 256) }))
const SERIAL = () => str(9, 256, /[^\w+=/:,.@-]/)
const TOKEN_CODE = () => str(6, 6, /[^\d]/)
const CREDENTIAL_PATHS = ['Credentials.AccessKeyId', 'Credentials.SecretAccessKey', 'Credentials.SessionToken', 'Credentials.Expiration']

// The MFA device and its code are only meaningful together.
const mfaPair = (i: { SerialNumber?: string; TokenCode?: string }, add: Add) =>
  (i.SerialNumber == null) != (i.TokenCode == null) && add(i.TokenCode == null ? 'TokenCode' : 'SerialNumber', 'requires', 'SerialNumber and TokenCode go together')

const assumeRoleExtra = (i: AssumeRoleInput, add: Add) => {
  const seen = new Set()
  ;[i.Tags ?? []].flat().forEach((t, n) => {
    const k = String(t?.Key).toLowerCase()
    if (seen.has(k)) add(`Tags[${n}].Key`, 'unique', 'repeats a tag key (tag keys are case-insensitive)')
    seen.add(k)
  })
  mfaPair(i, add)
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
        RoleArn: req(ARN()),
        RoleSessionName: req(NAME(2, 64)),
        PolicyArns: POLICY_ARNS(),
        Policy: POLICY(),
        DurationSeconds: int(900, 43200),
        Tags: TAGS(),
        TransitiveTagKeys: list(50, req(TAG(1, 128))),
        ExternalId: str(2, 1224, /[^\w+=,.@:/-]/),
        SerialNumber: SERIAL(),
        TokenCode: TOKEN_CODE(),
        SourceIdentity: NAME(2, 64),
        ProvidedContexts: list(5, struct({ ProviderArn: ARN(), ContextAssertion: str(4, 2048) })),
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

/** The result of every operation that returns temporary credentials. */
export interface CredentialsOutput {
  Credentials: StsCredentials
  PackedPolicySize?: number
  SourceIdentity?: string
  RequestId?: string
}

// An operation spec from its action, rules, extra output leaves (read as trimmed text) and signing.
const op = <I, O>(action: string, spec: () => Record<string, Check>, leaves: string[], credentials: boolean, extra?: (i: I, add: Add) => void, unsigned?: boolean): Operation<I, O> => ({
  action,
  unsigned,
  check: (input) => validate(input ?? {}, spec(), extra),
  paths: [...(credentials ? CREDENTIAL_PATHS : []), ...leaves],
  out: (x) => {
    const o: Record<string, unknown> = credentials ? { Credentials: credentialsOf(x) } : {}
    for (const l of leaves) {
      const v = text(x, l)
      if (v == null) continue
      const [a, b] = l.split('.')
      // PackedPolicySize is a number; two-level leaves (AssumedRoleUser.Arn, FederatedUser.Arn) nest.
      if (b) ((o[a!] ??= {}) as Record<string, string>)[b] = v
      else o[a!] = a == 'PackedPolicySize' ? (/^\d+$/.test(v) ? +v : invalid(x, a)) : v
    }
    o.RequestId = x.requestId
    return o as O
  },
})

/** Input of AssumeRoleWithWebIdentity (an OIDC token: GitHub Actions, Vercel, Cloudflare Access, Kubernetes, ...). */
export interface AssumeRoleWithWebIdentityInput {
  RoleArn: string
  RoleSessionName: string
  WebIdentityToken: string
  ProviderId?: string
  PolicyArns?: { arn: string }[]
  Policy?: string
  DurationSeconds?: number
}
/** Output of AssumeRoleWithWebIdentity. */
export interface AssumeRoleWithWebIdentityOutput extends CredentialsOutput {
  SubjectFromWebIdentityToken?: string
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string }
  Provider?: string
  Audience?: string
}
/** AssumeRoleWithWebIdentity: unsigned; the token is the credential. */
export const AssumeRoleWithWebIdentity = /* @__PURE__ */ op<AssumeRoleWithWebIdentityInput, AssumeRoleWithWebIdentityOutput>(
  'AssumeRoleWithWebIdentity',
  () => ({ RoleArn: req(ARN()), RoleSessionName: req(NAME(2, 64)), WebIdentityToken: req(str(4, 20000)), ProviderId: str(4, 2048), PolicyArns: POLICY_ARNS(), Policy: POLICY(), DurationSeconds: int(900, 43200) }),
  ['SubjectFromWebIdentityToken', 'AssumedRoleUser.AssumedRoleId', 'AssumedRoleUser.Arn', 'PackedPolicySize', 'Provider', 'Audience', 'SourceIdentity'],
  true,
  undefined,
  true,
)

/** Input of AssumeRoleWithSAML. */
export interface AssumeRoleWithSAMLInput {
  RoleArn: string
  PrincipalArn: string
  SAMLAssertion: string
  PolicyArns?: { arn: string }[]
  Policy?: string
  DurationSeconds?: number
}
/** Output of AssumeRoleWithSAML. */
export interface AssumeRoleWithSAMLOutput extends CredentialsOutput {
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string }
  Subject?: string
  SubjectType?: string
  Issuer?: string
  Audience?: string
  NameQualifier?: string
}
/** AssumeRoleWithSAML: unsigned; the base64 SAML assertion is the credential. */
export const AssumeRoleWithSAML = /* @__PURE__ */ op<AssumeRoleWithSAMLInput, AssumeRoleWithSAMLOutput>(
  'AssumeRoleWithSAML',
  () => ({ RoleArn: req(ARN()), PrincipalArn: req(ARN()), SAMLAssertion: req(str(4, 100000)), PolicyArns: POLICY_ARNS(), Policy: POLICY(), DurationSeconds: int(900, 43200) }),
  ['AssumedRoleUser.AssumedRoleId', 'AssumedRoleUser.Arn', 'PackedPolicySize', 'Subject', 'SubjectType', 'Issuer', 'Audience', 'NameQualifier', 'SourceIdentity'],
  true,
  undefined,
  true,
)

/** Input of GetSessionToken. */
export interface GetSessionTokenInput {
  DurationSeconds?: number
  SerialNumber?: string
  TokenCode?: string
}
/** GetSessionToken: temporary credentials for the calling IAM user, optionally MFA-authenticated. */
export const GetSessionToken = /* @__PURE__ */ op<GetSessionTokenInput, CredentialsOutput>(
  'GetSessionToken',
  () => ({ DurationSeconds: int(900, 129600), SerialNumber: SERIAL(), TokenCode: TOKEN_CODE() }),
  [],
  true,
  mfaPair,
)

/** Input of GetFederationToken. */
export interface GetFederationTokenInput {
  Name: string
  Policy?: string
  PolicyArns?: { arn: string }[]
  DurationSeconds?: number
  Tags?: { Key: string; Value: string }[]
}
/** Output of GetFederationToken. */
export interface GetFederationTokenOutput extends CredentialsOutput {
  FederatedUser?: { FederatedUserId: string; Arn: string }
}
/** GetFederationToken: temporary credentials for a federated user. */
export const GetFederationToken = /* @__PURE__ */ op<GetFederationTokenInput, GetFederationTokenOutput>(
  'GetFederationToken',
  () => ({ Name: req(NAME(2, 32)), Policy: POLICY(), PolicyArns: POLICY_ARNS(), DurationSeconds: int(900, 129600), Tags: TAGS() }),
  ['FederatedUser.FederatedUserId', 'FederatedUser.Arn', 'PackedPolicySize'],
  true,
)

/** Input of AssumeRoot (a member account's root session, from the management account). */
export interface AssumeRootInput {
  TargetPrincipal: string
  TaskPolicyArn: { arn: string }
  DurationSeconds?: number
}
/** AssumeRoot: short-term root credentials for a privileged task. */
export const AssumeRoot = /* @__PURE__ */ op<AssumeRootInput, CredentialsOutput>(
  'AssumeRoot',
  () => ({ TargetPrincipal: req(str(12, 2048)), TaskPolicyArn: req(struct({ arn: ARN() })), DurationSeconds: int(0, 900) }),
  ['SourceIdentity'],
  true,
)

/** Output of GetCallerIdentity. */
export interface GetCallerIdentityOutput {
  UserId?: string
  Account?: string
  Arn?: string
  RequestId?: string
}
/** GetCallerIdentity: who the credentials belong to. */
export const GetCallerIdentity = /* @__PURE__ */ op<Record<string, never> | undefined, GetCallerIdentityOutput>('GetCallerIdentity', () => ({}), ['UserId', 'Account', 'Arn'], false)

/** GetAccessKeyInfo: the account an access key belongs to. */
export const GetAccessKeyInfo = /* @__PURE__ */ op<{ AccessKeyId: string }, { Account?: string; RequestId?: string }>(
  'GetAccessKeyInfo',
  () => ({ AccessKeyId: req(str(16, 128, /[^\w]/)) }),
  ['Account'],
  false,
)

/** DecodeAuthorizationMessage: the JSON behind an encoded authorization failure message. */
export const DecodeAuthorizationMessage = /* @__PURE__ */ op<{ EncodedMessage: string }, { DecodedMessage?: string; RequestId?: string }>(
  'DecodeAuthorizationMessage',
  () => ({ EncodedMessage: req(str(1, 10240)) }),
  ['DecodedMessage'],
  false,
)
