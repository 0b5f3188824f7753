import { StsError } from './errors.ts'
import {
  ARN,
  NAME,
  int,
  list,
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

const invalid = (x: XmlFields, what: string): never => {
  throw new StsError('InvalidResponse', `the STS response has no valid ${what}`, {
    requestId: x.requestId,
  })
}

/** Reads `Credentials` (all four fields required: a half-filled result is never returned). */
export const credentialsOf = (x: XmlFields): StsCredentials => {
  // Keys and tokens cannot contain whitespace; documentation samples wrap them for display.
  const [AccessKeyId, SecretAccessKey, SessionToken, e] = [
    'AccessKeyId',
    'SecretAccessKey',
    'SessionToken',
    'Expiration',
  ].map(
    (p) => x.values['Credentials.' + p]?.replace(/\s+/g, '') || invalid(x, 'Credentials.' + p),
  ) as string[]
  const Expiration = new Date(e!)
  return isNaN(+Expiration)
    ? invalid(x, 'Credentials.Expiration')
    : {
        AccessKeyId: AccessKeyId!,
        SecretAccessKey: SecretAccessKey!,
        SessionToken: SessionToken!,
        Expiration,
      }
}

/** The trimmed text of an optional field. */
export const text = (x: XmlFields, p: string): string | undefined => x.values[p]?.trim()

/** An optional non-negative integer field. */
const count = (x: XmlFields, p: string): number | undefined => {
  const v = text(x, p)
  return v == null ? undefined : /^\d+$/.test(v) ? +v : invalid(x, p)
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
const TOKEN_SIZE = () => int(0, 4096)
// Integer leaves of the outputs; every other leaf is text.
const COUNTS = /^(PackedPolicySize|SessionTokenUtilization|SessionTokenSize|ScopedPoliciesCount)$/

// The MFA device and its code are only meaningful together.
const mfaPair = (i: { SerialNumber?: string; TokenCode?: string }, add: Add) =>
  (i.SerialNumber == null) != (i.TokenCode == null) &&
  add(
    i.TokenCode == null ? 'TokenCode' : 'SerialNumber',
    'requires',
    'SerialNumber and TokenCode go together',
  )

const assumeRoleExtra = (i: AssumeRoleInput, add: Add) => {
  const seen = new Set()
  ;[i.Tags ?? []].flat().forEach((t, n) => {
    const k = String(t?.Key).toLowerCase()
    if (seen.has(k))
      add(`Tags[${n}].Key`, 'unique', 'repeats a tag key (tag keys are case-insensitive)')
    seen.add(k)
  })
  mfaPair(i, add)
  // The API reference: inline and managed session policies together take at most 2,048 plaintext characters.
  let plain = i.Policy?.length ?? 0
  if (plain <= 2048)
    for (const a of [i.PolicyArns ?? []].flat())
      if ((plain += a?.arn?.length ?? 0) > 2048)
        return add('Policy', 'length', 'with PolicyArns must be at most 2048 characters in all')
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
    return {
      Credentials: credentialsOf(x),
      AssumedRoleUser:
        id && arn
          ? { AssumedRoleId: id, Arn: arn }
          : id || arn
            ? invalid(x, 'AssumedRoleUser')
            : undefined,
      PackedPolicySize: count(x, 'PackedPolicySize'),
      SourceIdentity: text(x, 'SourceIdentity'),
      SessionTokenUtilization: count(x, 'SessionTokenUtilization'),
      SessionTokenSize: count(x, 'SessionTokenSize'),
      RequestId: x.requestId,
    }
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
      const o: Record<string, unknown> = credentials ? { Credentials: credentialsOf(x) } : {}
      for (const l of own) {
        const v = text(x, l)
        if (v == null) continue
        // Dotted leaves (AssumedRoleUser.Arn, TrustedIdentityPropagationContext.OriginIdentity.Subject) nest; counts are numbers.
        const path = l.split('.')
        const last = path.pop()!
        let t = o as Record<string, any>
        for (const k of path) t = t[k] ??= {}
        t[last] = COUNTS.test(last) ? count(x, l) : v
      }
      o.RequestId = x.requestId
      return o as O
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
export const AssumeRoleWithWebIdentity: Operation<
  AssumeRoleWithWebIdentityInput,
  AssumeRoleWithWebIdentityOutput
> = /* @__PURE__ */ op<AssumeRoleWithWebIdentityInput, AssumeRoleWithWebIdentityOutput>(
  'AssumeRoleWithWebIdentity',
  () => ({
    RoleArn: req(ARN()),
    RoleSessionName: req(NAME(2, 64)),
    WebIdentityToken: req(str(4, 20000)),
    ProviderId: str(4, 2048),
    PolicyArns: POLICY_ARNS(),
    Policy: POLICY(),
    DurationSeconds: int(900, 43200),
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
export const AssumeRoleWithSAML: Operation<AssumeRoleWithSAMLInput, AssumeRoleWithSAMLOutput> =
  /* @__PURE__ */ op<AssumeRoleWithSAMLInput, AssumeRoleWithSAMLOutput>(
    'AssumeRoleWithSAML',
    () => ({
      RoleArn: req(ARN()),
      PrincipalArn: req(ARN()),
      SAMLAssertion: req(str(4, 100000)),
      PolicyArns: POLICY_ARNS(),
      Policy: POLICY(),
      DurationSeconds: int(900, 43200),
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
export const GetSessionToken: Operation<GetSessionTokenInput, CredentialsOutput> =
  /* @__PURE__ */ op<GetSessionTokenInput, CredentialsOutput>(
    'GetSessionToken',
    () => ({
      DurationSeconds: int(900, 129600),
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
export const GetFederationToken: Operation<GetFederationTokenInput, GetFederationTokenOutput> =
  /* @__PURE__ */ op<GetFederationTokenInput, GetFederationTokenOutput>(
    'GetFederationToken',
    () => ({
      Name: req(NAME(2, 32)),
      Policy: POLICY(),
      PolicyArns: POLICY_ARNS(),
      DurationSeconds: int(900, 129600),
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
export const AssumeRoot: Operation<AssumeRootInput, CredentialsOutput> = /* @__PURE__ */ op<
  AssumeRootInput,
  CredentialsOutput
>(
  'AssumeRoot',
  () => ({
    TargetPrincipal: req(str(12, 2048)),
    TaskPolicyArn: req(struct({ arn: ARN() })),
    DurationSeconds: int(0, 900),
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
export const GetCallerIdentity: Operation<
  Record<string, never> | undefined,
  GetCallerIdentityOutput
> = /* @__PURE__ */ op<Record<string, never> | undefined, GetCallerIdentityOutput>(
  'GetCallerIdentity',
  () => ({}),
  ['UserId', 'Account', 'Arn'],
  false,
)

/** GetAccessKeyInfo: the account an access key belongs to. */
export const GetAccessKeyInfo: Operation<
  { AccessKeyId: string },
  { Account?: string; RequestId?: string }
> = /* @__PURE__ */ op<{ AccessKeyId: string }, { Account?: string; RequestId?: string }>(
  'GetAccessKeyInfo',
  () => ({ AccessKeyId: req(str(16, 128, /[^\w]/)) }),
  ['Account'],
  false,
)

/** DecodeAuthorizationMessage: the JSON behind an encoded authorization failure message. */
export const DecodeAuthorizationMessage: Operation<
  { EncodedMessage: string },
  { DecodedMessage?: string; RequestId?: string }
> = /* @__PURE__ */ op<{ EncodedMessage: string }, { DecodedMessage?: string; RequestId?: string }>(
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
export const GetScopedCredentials: Operation<
  GetScopedCredentialsInput,
  GetScopedCredentialsOutput
> = /* @__PURE__ */ op<GetScopedCredentialsInput, GetScopedCredentialsOutput>(
  'GetScopedCredentials',
  () => ({
    Policy: POLICY(),
    DurationSeconds: int(1, 129600),
    MinimumSessionTokenSize: TOKEN_SIZE(),
    ScopedSessionDescription: str(0, 256),
  }),
  ['SessionInfo.ScopedSessionId', 'SessionInfo.Arn', 'ScopedPoliciesCount', 'SourceIdentity'],
  true,
  (i, add) =>
    i.Policy == null &&
    i.DurationSeconds == null &&
    add('Policy', 'requires', 'or DurationSeconds (or both) is required'),
)

/** Output of GetDelegatedAccessToken. */
export interface GetDelegatedAccessTokenOutput extends CredentialsOutput {
  /** ARN of the principal whose permissions the credentials carry. */
  AssumedPrincipal?: string
}
/** GetDelegatedAccessToken: a trade-in token exchanged for the credentials of the principal it names. */
export const GetDelegatedAccessToken: Operation<
  { TradeInToken: string },
  GetDelegatedAccessTokenOutput
> = /* @__PURE__ */ op<{ TradeInToken: string }, GetDelegatedAccessTokenOutput>(
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
const scopeRules = (i: GetWebIdentityTokenInput, add: Add) => {
  const s = i.Scope
  if (typeof s != 'string') return
  if (!/^[!#-+\--[\]-~]+( [!#-+\--[\]-~]+)*$/.test(s))
    add(
      'Scope',
      'pattern',
      'must be scope values of printable ASCII but `"`, `,` and `\\`, separated by single spaces',
    )
  else if (new Set(s.split(' ')).size < s.split(' ').length)
    add('Scope', 'unique', 'repeats a scope value')
  if (i.SubjectMode != 'OriginIdentity' || i.Audience?.length != 1)
    add('Scope', 'requires', "needs SubjectMode 'OriginIdentity' and exactly one Audience")
}
/** GetWebIdentityToken: a JWT signed by STS that names the caller, for services that accept OIDC. */
export const GetWebIdentityToken: Operation<GetWebIdentityTokenInput, GetWebIdentityTokenOutput> = {
  action: 'GetWebIdentityToken',
  check: (input) =>
    validate(
      input,
      {
        Audience: req((v, p, add) =>
          Array.isArray(v) && !v.length
            ? add(p, 'count', 'must have at least 1 item')
            : list(10, req(str(1, 1000)))(v, p, add),
        ),
        DurationSeconds: int(60, 3600),
        SigningAlgorithm: req(one('RS256', 'ES384')),
        Scope: str(1, 2048),
        SubjectMode: one('AWSIdentity', 'OriginIdentity'),
        Tags: TAGS(),
      },
      scopeRules,
    ),
  paths: ['WebIdentityToken', 'Expiration'],
  out: (x) => {
    const Expiration = new Date(text(x, 'Expiration')!)
    return {
      WebIdentityToken:
        x.values.WebIdentityToken?.replace(/\s+/g, '') || invalid(x, 'WebIdentityToken'),
      Expiration: isNaN(+Expiration) ? invalid(x, 'Expiration') : Expiration,
      RequestId: x.requestId,
    }
  },
}
