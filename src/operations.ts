import { StsError } from './errors.ts'
import {
  ARN,
  NAME,
  list,
  num,
  one,
  req,
  str,
  struct,
  validate,
  type Add,
  type Check,
} from './validate.ts'
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
  /** Bytes the session token is padded to at least (0–4096). */
  MinimumSessionTokenSize?: number
}

/** Output of AssumeRole (AWS SDK v3 `AssumeRoleCommandOutput` names and shapes). */
export interface AssumeRoleOutput {
  Credentials: StsCredentials
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string }
  PackedPolicySize?: number
  SourceIdentity?: string
  /** Percentage (0–100) of the maximum session token size that the token uses. */
  SessionTokenUtilization?: number
  /** Bytes of the session token. */
  SessionTokenSize?: number
  RequestId?: string
}

/** The error of a response that lacks a field or holds a malformed one. */
const badResponse = (x: XmlFields, what: string): StsError =>
  new StsError('InvalidResponse', `the STS response has no valid ${what}`, {
    requestId: x.requestId,
  })

/** A required key or token: keys and tokens cannot contain whitespace (documentation samples wrap them). */
const secretText = (x: XmlFields, path: string): string => {
  const value = x.values[path]?.replace(/\s+/g, '')
  if (!value) throw badResponse(x, path)
  return value
}

/** A required date field, from its text. */
const dateOf = (x: XmlFields, path: string, value: string | undefined): Date => {
  const date = new Date(value!)
  if (isNaN(+date)) throw badResponse(x, path)
  return date
}

/** Reads `Credentials` (all four fields required: a half-filled result is never returned). */
export const credentialsOf = (x: XmlFields): StsCredentials => ({
  AccessKeyId: secretText(x, 'Credentials.AccessKeyId'),
  SecretAccessKey: secretText(x, 'Credentials.SecretAccessKey'),
  SessionToken: secretText(x, 'Credentials.SessionToken'),
  Expiration: dateOf(x, 'Credentials.Expiration', secretText(x, 'Credentials.Expiration')),
})

/** The trimmed text of an optional field. */
export const text = (x: XmlFields, path: string): string | undefined => x.values[path]?.trim()

/** An optional non-negative integer field. */
const count = (x: XmlFields, path: string): number | undefined => {
  const value = text(x, path)
  if (value == null) return undefined
  if (!/^\d+$/.test(value)) throw badResponse(x, path)
  return +value
}

// Integer leaves of the outputs; every other leaf is text.
const COUNTS = /^(PackedPolicySize|SessionTokenUtilization|SessionTokenSize|ScopedPoliciesCount)$/

/**
 * Adds the optional leaves of a result that the response holds, and its RequestId: dotted leaves
 * (AssumedRoleUser.Arn, TrustedIdentityPropagationContext.OriginIdentity.Subject) nest, counts are
 * numbers, absent fields are left out (no key holds `undefined`).
 */
const addLeaves = <O>(x: XmlFields, leaves: readonly string[], result: Record<string, any>): O => {
  for (const leaf of leaves) {
    const value = text(x, leaf)
    if (value == null) continue
    const path = leaf.split('.')
    const last = path.pop()!
    let target = result
    for (const key of path) {
      target[key] ??= {}
      target = target[key]
    }
    if (COUNTS.test(last)) target[last] = count(x, leaf)
    else target[last] = value
  }
  if (x.requestId != null) result.RequestId = x.requestId
  return result as O
}

const TAG = (min: number, max: number): Check => str(min, max, /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/u)
// Shared rules, built when a check runs: module-level calls would defeat tree-shaking.
const POLICY = () => str(1, 2048, /[^\t\n\r\u0020-\u00ff]/)
const POLICY_ARNS = () => list(10, struct({ arn: ARN() }))
const TAGS = () => list(50, struct({ Key: TAG(1, 128), Value: TAG(0, 256) }))
const SERIAL = () => str(9, 256, /[^\w+=/:,.@-]/)
const TOKEN_CODE = () => str(6, 6, /[^\d]/)
const CREDENTIAL_PATHS = [
  'Credentials.AccessKeyId',
  'Credentials.SecretAccessKey',
  'Credentials.SessionToken',
  'Credentials.Expiration',
]
const TOKEN_SIZE = () => num(0, 4096)

// The MFA device and its code are only meaningful together.
const mfaPair = (input: { SerialNumber?: string; TokenCode?: string }, add: Add) => {
  const hasSerial = input.SerialNumber != null
  const hasCode = input.TokenCode != null
  if (hasSerial && !hasCode) add('TokenCode', 'requires', 'SerialNumber and TokenCode go together')
  if (hasCode && !hasSerial)
    add('SerialNumber', 'requires', 'SerialNumber and TokenCode go together')
}

// Tag keys are case-insensitive: each may appear once. (An index loop: holes keep their index.)
const uniqueTagKeys = (tags: unknown, add: Add) => {
  if (!Array.isArray(tags)) return
  const seen = new Set<string>()
  for (let index = 0; index < tags.length; index++) {
    const key = String(tags[index]?.Key).toLowerCase()
    if (seen.has(key))
      add(`Tags[${index}].Key`, 'unique', 'repeats a tag key (tag keys are case-insensitive)')
    seen.add(key)
  }
}

// The API reference: inline and managed session policies together take at most 2,048 plaintext characters.
const policyLength = (input: AssumeRoleInput, add: Add) => {
  const inline = input.Policy?.length ?? 0
  let plain = inline
  if (Array.isArray(input.PolicyArns))
    for (const policyArn of input.PolicyArns) plain += policyArn?.arn?.length ?? 0
  // A Policy too long on its own breaks its own rule.
  if (inline <= 2048 && plain > 2048)
    add('Policy', 'length', 'with PolicyArns must be at most 2048 characters in all')
}

const assumeRoleExtra = (input: AssumeRoleInput, add: Add) => {
  uniqueTagKeys(input.Tags, add)
  mfaPair(input, add)
  policyLength(input, add)
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
        DurationSeconds: num(900, 43200),
        Tags: TAGS(),
        TransitiveTagKeys: list(50, TAG(1, 128)),
        ExternalId: str(2, 1224, /[^\w+=,.@:/-]/),
        SerialNumber: SERIAL(),
        TokenCode: TOKEN_CODE(),
        SourceIdentity: NAME(2, 64),
        ProvidedContexts: list(5, struct({ ProviderArn: ARN(), ContextAssertion: str(4, 2048) })),
        MinimumSessionTokenSize: TOKEN_SIZE(),
      },
      assumeRoleExtra,
    ),
  // Written out: a spread at module level would keep this object in bundles that never use it.
  paths: [
    'Credentials.AccessKeyId',
    'Credentials.SecretAccessKey',
    'Credentials.SessionToken',
    'Credentials.Expiration',
    'AssumedRoleUser.AssumedRoleId',
    'AssumedRoleUser.Arn',
    'PackedPolicySize',
    'SourceIdentity',
    'SessionTokenUtilization',
    'SessionTokenSize',
  ],
  out: (x) => {
    const id = text(x, 'AssumedRoleUser.AssumedRoleId')
    const arn = text(x, 'AssumedRoleUser.Arn')
    // Both or neither: a half-filled AssumedRoleUser is a broken response.
    if (!id != !arn) throw badResponse(x, 'AssumedRoleUser')
    const result = addLeaves<AssumeRoleOutput>(x, AssumeRole.paths.slice(6), {
      Credentials: credentialsOf(x),
    })
    if (id) result.AssumedRoleUser = { AssumedRoleId: id, Arn: arn! }
    return result
  },
}

/** The result of every operation that returns temporary credentials. */
export interface CredentialsOutput {
  Credentials: StsCredentials
  PackedPolicySize?: number
  SourceIdentity?: string
  /** Percentage (0–100) of the maximum session token size that the token uses. */
  SessionTokenUtilization?: number
  /** Bytes of the session token. */
  SessionTokenSize?: number
  RequestId?: string
}

// An operation spec from its action, rules, extra output leaves (read as trimmed text) and signing.
const op = <I, O>(
  action: string,
  spec: () => Record<string, Check>,
  leaves: (string | string[])[],
  credentials: boolean,
  extra?: (i: I, add: Add) => void,
  unsigned?: boolean,
): Operation<I, O> => {
  const own = leaves
    .flat()
    .concat(credentials ? ['SessionTokenUtilization', 'SessionTokenSize'] : [])
  return {
    action,
    unsigned,
    check: (input) => validate(input ?? {}, spec(), extra),
    paths: credentials ? [...CREDENTIAL_PATHS, ...own] : own,
    out: (x) => {
      const result: Record<string, unknown> = {}
      if (credentials) result.Credentials = credentialsOf(x)
      return addLeaves(x, own, result)
    },
  }
}

/**
 * The trusted identity propagation context STS set in the session: the end user behind it. (Its
 * `TransactionContext.IdentityProvider` map is not read.)
 */
export interface TrustedIdentityPropagationContext {
  OriginIdentity?: {
    Subject?: string
    SubjectType?: string
    Issuer?: string
    FederatedProviderArn?: string
  }
}
// Written out, and passed as one item: a call or a spread at module level would keep this module in
// bundles that never use it.
const ORIGIN = [
  'TrustedIdentityPropagationContext.OriginIdentity.Subject',
  'TrustedIdentityPropagationContext.OriginIdentity.SubjectType',
  'TrustedIdentityPropagationContext.OriginIdentity.Issuer',
  'TrustedIdentityPropagationContext.OriginIdentity.FederatedProviderArn',
]

/** Input of AssumeRoleWithWebIdentity (an OIDC token: GitHub Actions, Vercel, Cloudflare Access, Kubernetes, ...). */
export interface AssumeRoleWithWebIdentityInput {
  RoleArn: string
  RoleSessionName: string
  WebIdentityToken: string
  ProviderId?: string
  PolicyArns?: { arn: string }[]
  Policy?: string
  DurationSeconds?: number
  MinimumSessionTokenSize?: number
}
/** Output of AssumeRoleWithWebIdentity. */
export interface AssumeRoleWithWebIdentityOutput extends CredentialsOutput {
  SubjectFromWebIdentityToken?: string
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string }
  Provider?: string
  Audience?: string
  TrustedIdentityPropagationContext?: TrustedIdentityPropagationContext
}
/** AssumeRoleWithWebIdentity: unsigned; the token is the credential. */
export const AssumeRoleWithWebIdentity = /* @__PURE__ */ op<
  AssumeRoleWithWebIdentityInput,
  AssumeRoleWithWebIdentityOutput
>(
  'AssumeRoleWithWebIdentity',
  () => ({
    RoleArn: req(ARN()),
    RoleSessionName: req(NAME(2, 64)),
    WebIdentityToken: req(str(4, 20000)),
    ProviderId: str(4, 2048),
    PolicyArns: POLICY_ARNS(),
    Policy: POLICY(),
    DurationSeconds: num(900, 43200),
    MinimumSessionTokenSize: TOKEN_SIZE(),
  }),
  [
    'SubjectFromWebIdentityToken',
    'AssumedRoleUser.AssumedRoleId',
    'AssumedRoleUser.Arn',
    'PackedPolicySize',
    'Provider',
    'Audience',
    'SourceIdentity',
    ORIGIN,
  ],
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
  MinimumSessionTokenSize?: number
}
/** Output of AssumeRoleWithSAML. */
export interface AssumeRoleWithSAMLOutput extends CredentialsOutput {
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string }
  Subject?: string
  SubjectType?: string
  Issuer?: string
  Audience?: string
  NameQualifier?: string
  TrustedIdentityPropagationContext?: TrustedIdentityPropagationContext
}
/** AssumeRoleWithSAML: unsigned; the base64 SAML assertion is the credential. */
export const AssumeRoleWithSAML = /* @__PURE__ */ op<
  AssumeRoleWithSAMLInput,
  AssumeRoleWithSAMLOutput
>(
  'AssumeRoleWithSAML',
  () => ({
    RoleArn: req(ARN()),
    PrincipalArn: req(ARN()),
    SAMLAssertion: req(str(4, 100000)),
    PolicyArns: POLICY_ARNS(),
    Policy: POLICY(),
    DurationSeconds: num(900, 43200),
    MinimumSessionTokenSize: TOKEN_SIZE(),
  }),
  [
    'AssumedRoleUser.AssumedRoleId',
    'AssumedRoleUser.Arn',
    'PackedPolicySize',
    'Subject',
    'SubjectType',
    'Issuer',
    'Audience',
    'NameQualifier',
    'SourceIdentity',
    ORIGIN,
  ],
  true,
  undefined,
  true,
)

/** Input of GetSessionToken. */
export interface GetSessionTokenInput {
  DurationSeconds?: number
  SerialNumber?: string
  TokenCode?: string
  MinimumSessionTokenSize?: number
}
/** GetSessionToken: temporary credentials for the calling IAM user, optionally MFA-authenticated. */
export const GetSessionToken = /* @__PURE__ */ op<GetSessionTokenInput, CredentialsOutput>(
  'GetSessionToken',
  () => ({
    DurationSeconds: num(900, 129600),
    SerialNumber: SERIAL(),
    TokenCode: TOKEN_CODE(),
    MinimumSessionTokenSize: TOKEN_SIZE(),
  }),
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
  MinimumSessionTokenSize?: number
}
/** Output of GetFederationToken. */
export interface GetFederationTokenOutput extends CredentialsOutput {
  FederatedUser?: { FederatedUserId: string; Arn: string }
}
/** GetFederationToken: temporary credentials for a federated user. */
export const GetFederationToken = /* @__PURE__ */ op<
  GetFederationTokenInput,
  GetFederationTokenOutput
>(
  'GetFederationToken',
  () => ({
    Name: req(NAME(2, 32)),
    Policy: POLICY(),
    PolicyArns: POLICY_ARNS(),
    DurationSeconds: num(900, 129600),
    Tags: TAGS(),
    MinimumSessionTokenSize: TOKEN_SIZE(),
  }),
  ['FederatedUser.FederatedUserId', 'FederatedUser.Arn', 'PackedPolicySize'],
  true,
)

/** Input of AssumeRoot (a member account's root session, from the management account). */
export interface AssumeRootInput {
  TargetPrincipal: string
  TaskPolicyArn: { arn: string }
  DurationSeconds?: number
  MinimumSessionTokenSize?: number
}
/** AssumeRoot: short-term root credentials for a privileged task. */
export const AssumeRoot = /* @__PURE__ */ op<AssumeRootInput, CredentialsOutput>(
  'AssumeRoot',
  () => ({
    TargetPrincipal: req(str(12, 2048)),
    TaskPolicyArn: req(struct({ arn: ARN() })),
    DurationSeconds: num(0, 900),
    MinimumSessionTokenSize: TOKEN_SIZE(),
  }),
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
export const GetCallerIdentity = /* @__PURE__ */ op<
  Record<string, never> | undefined,
  GetCallerIdentityOutput
>('GetCallerIdentity', () => ({}), ['UserId', 'Account', 'Arn'], false)

/** GetAccessKeyInfo: the account an access key belongs to. */
export const GetAccessKeyInfo = /* @__PURE__ */ op<
  { AccessKeyId: string },
  { Account?: string; RequestId?: string }
>('GetAccessKeyInfo', () => ({ AccessKeyId: req(str(16, 128, /[^\w]/)) }), ['Account'], false)

/** DecodeAuthorizationMessage: the JSON behind an encoded authorization failure message. */
export const DecodeAuthorizationMessage = /* @__PURE__ */ op<
  { EncodedMessage: string },
  { DecodedMessage?: string; RequestId?: string }
>(
  'DecodeAuthorizationMessage',
  () => ({ EncodedMessage: req(str(1, 10240)) }),
  ['DecodedMessage'],
  false,
)

/** Input of GetScopedCredentials (called with temporary credentials; `Policy` or `DurationSeconds` or both). */
export interface GetScopedCredentialsInput {
  Policy?: string
  DurationSeconds?: number
  MinimumSessionTokenSize?: number
  ScopedSessionDescription?: string
}
/** Output of GetScopedCredentials. */
export interface GetScopedCredentialsOutput extends CredentialsOutput {
  SessionInfo?: { ScopedSessionId: string; Arn: string }
  ScopedPoliciesCount?: number
}
/** GetScopedCredentials: the caller's temporary credentials, narrowed by a policy or a shorter life. */
export const GetScopedCredentials = /* @__PURE__ */ op<
  GetScopedCredentialsInput,
  GetScopedCredentialsOutput
>(
  'GetScopedCredentials',
  () => ({
    Policy: POLICY(),
    DurationSeconds: num(1, 129600),
    MinimumSessionTokenSize: TOKEN_SIZE(),
    ScopedSessionDescription: str(0, 256),
  }),
  ['SessionInfo.ScopedSessionId', 'SessionInfo.Arn', 'ScopedPoliciesCount', 'SourceIdentity'],
  true,
  (input, add) => {
    if (input.Policy == null && input.DurationSeconds == null)
      add('Policy', 'requires', 'or DurationSeconds (or both) is required')
  },
)

/** Output of GetDelegatedAccessToken. */
export interface GetDelegatedAccessTokenOutput extends CredentialsOutput {
  /** ARN of the principal whose permissions the credentials carry. */
  AssumedPrincipal?: string
}
/** GetDelegatedAccessToken: a trade-in token exchanged for the credentials of the principal it names. */
export const GetDelegatedAccessToken = /* @__PURE__ */ op<
  { TradeInToken: string },
  GetDelegatedAccessTokenOutput
>(
  'GetDelegatedAccessToken',
  () => ({ TradeInToken: req(str(1, 100000)) }),
  ['AssumedPrincipal', 'PackedPolicySize'],
  true,
)

/** Input of GetWebIdentityToken. */
export interface GetWebIdentityTokenInput {
  /** The JWT's `aud`: 1 to 10 values. */
  Audience: string[]
  /** 60–3600 seconds (STS default 300). */
  DurationSeconds?: number
  SigningAlgorithm: 'RS256' | 'ES384'
  /** OAuth 2.0 scopes, space-separated; only with `SubjectMode: 'OriginIdentity'` and one audience. */
  Scope?: string
  SubjectMode?: 'AWSIdentity' | 'OriginIdentity'
  Tags?: { Key: string; Value: string }[]
}
/** Output of GetWebIdentityToken. */
export interface GetWebIdentityTokenOutput {
  /** The signed JWT (a bearer credential: treat it as a secret). */
  WebIdentityToken: string
  Expiration: Date
  RequestId?: string
}
// RFC 6749 §3.3 scopes as the API reference restricts them: printable ASCII but `"`, `,` and `\`, single spaces between.
const scopeRules = (input: GetWebIdentityTokenInput, add: Add) => {
  const scope = input.Scope
  if (typeof scope != 'string') return
  const values = scope.split(' ')
  if (!/^[!#-+\--[\]-~]+( [!#-+\--[\]-~]+)*$/.test(scope))
    add(
      'Scope',
      'pattern',
      'must be scope values of printable ASCII but `"`, `,` and `\\`, separated by single spaces',
    )
  else if (new Set(values).size < values.length) add('Scope', 'unique', 'repeats a scope value')
  if (input.SubjectMode != 'OriginIdentity' || input.Audience?.length != 1)
    add('Scope', 'requires', "needs SubjectMode 'OriginIdentity' and exactly one Audience")
}
// 1 to 10 audiences.
const AUDIENCE = (): Check => {
  const items = list(10, str(1, 1000))
  return (value, param, add) => {
    if (Array.isArray(value) && !value.length) add(param, 'count', 'must have at least 1 item')
    else items(value, param, add)
  }
}
/** GetWebIdentityToken: a JWT signed by STS that names the caller, for services that accept OIDC. */
export const GetWebIdentityToken: Operation<GetWebIdentityTokenInput, GetWebIdentityTokenOutput> = {
  action: 'GetWebIdentityToken',
  check: (input) =>
    validate(
      input,
      {
        Audience: req(AUDIENCE()),
        DurationSeconds: num(60, 3600),
        SigningAlgorithm: req(one('RS256', 'ES384')),
        Scope: str(1, 2048),
        SubjectMode: one('AWSIdentity', 'OriginIdentity'),
        Tags: TAGS(),
      },
      scopeRules,
    ),
  paths: ['WebIdentityToken', 'Expiration'],
  out: (x) =>
    addLeaves(x, [], {
      WebIdentityToken: secretText(x, 'WebIdentityToken'),
      Expiration: dateOf(x, 'Expiration', text(x, 'Expiration')),
    }),
}
