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
  /** The access key id of the temporary credentials (`ASIA…`). */
  AccessKeyId: string
  /** The secret access key: a secret, never logged by this package. */
  SecretAccessKey: string
  /** The session token, sent with every request signed with these credentials: a secret too. */
  SessionToken: string
  /** When the credentials stop working. */
  Expiration: Date
}

/** What an STS operation needs: its action, its input rules and how to read its result. */
export interface Operation<I, O> {
  /** The STS action, e.g. `AssumeRole`. */
  action: string
  /** Calls without SigV4 (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  unsigned?: boolean
  /** Throws a `StsValidationError` listing every broken rule of `input`. */
  check: (input: I) => void
  /** The dotted paths of the result's fields, relative to the `…Result` element. */
  paths: readonly string[]
  /** Builds the result from the extracted fields. */
  out: (x: XmlFields) => O
}

/** A managed policy, by ARN (the API's `PolicyDescriptorType`). */
export interface PolicyDescriptor {
  /** ARN of the managed policy: 20–2048 characters. */
  arn: string
}

/** A session tag. */
export interface Tag {
  /** 1–128 characters of letters, digits, spaces and `_.:/=+-@`; unique ignoring case. */
  Key: string
  /** 0–256 characters of letters, digits, spaces and `_.:/=+-@`. */
  Value: string
}

/** A context assertion from a trusted context provider. */
export interface ProvidedContext {
  /** ARN of the context provider: 20–2048 characters. */
  ProviderArn: string
  /** The signed context assertion: 4–2048 characters. */
  ContextAssertion: string
}

/** The assumed-role user of a session. */
export interface AssumedRoleUser {
  /** `AROA…:session-name`: the role id and the session name. */
  AssumedRoleId: string
  /** ARN of the session, e.g. `arn:aws:sts::123456789012:assumed-role/demo/session-name`. */
  Arn: string
}

/** Input of AssumeRole (AWS SDK v3 `AssumeRoleCommandInput` names and shapes). */
export interface AssumeRoleInput {
  /** ARN of the role to assume: 20–2048 characters. */
  RoleArn: string
  /**
   * Name of the session, seen in CloudTrail and in the assumed-role ARN: 2–64 characters of
   * `[\w+=,.@-]`.
   */
  RoleSessionName: string
  /**
   * Managed policies that narrow the session's permissions: at most 10 ARNs (20–2048 characters
   * each). With `Policy`, at most 2,048 plaintext characters in all.
   */
  PolicyArns?: PolicyDescriptor[]
  /**
   * An inline session policy (JSON) that narrows the session's permissions: 1–2048 characters of
   * TAB, LF, CR and U+0020–U+00FF.
   */
  Policy?: string
  /**
   * Seconds the credentials last: 900 (15 minutes) to 43200 (12 hours), at most the role's maximum
   * session duration (STS default 3600; 1 hour at most in a role chain).
   */
  DurationSeconds?: number
  /**
   * Session tags: at most 50, keys 1–128 and values 0–256 characters of letters, digits, spaces and
   * `_.:/=+-@`; keys unique ignoring case.
   */
  Tags?: Tag[]
  /**
   * Keys of session tags that pass on to later sessions of a role chain: at most 50, 1–128
   * characters each.
   */
  TransitiveTagKeys?: string[]
  /**
   * The identifier the role's trust policy asks a third party for: 2–1224 characters of
   * `[\w+=,.@:/-]`.
   */
  ExternalId?: string
  /**
   * The MFA device: a hardware serial number or a virtual device ARN, 9–256 characters of
   * `[\w+=/:,.@-]`; only with `TokenCode`.
   */
  SerialNumber?: string
  /** The 6-digit code of the MFA device; only with `SerialNumber`. Never echoed in errors. */
  TokenCode?: string
  /**
   * The identity of the person behind the session, kept along a role chain: 2–64 characters of
   * `[\w+=,.@-]`, not starting with `aws:`.
   */
  SourceIdentity?: string
  /** Context assertions from trusted context providers (e.g. IAM Identity Center): at most 5. */
  ProvidedContexts?: ProvidedContext[]
  /** Bytes the session token is padded to at least (0–4096). */
  MinimumSessionTokenSize?: number
}

/** Output of AssumeRole (AWS SDK v3 `AssumeRoleCommandOutput` names and shapes). */
export interface AssumeRoleOutput {
  /** The temporary credentials. Pass them on with `toIdentity(Credentials)`. */
  Credentials: StsCredentials
  /** The assumed-role user: its id (`AROA…:session`) and ARN, for policies and logs. */
  AssumedRoleUser?: AssumedRoleUser
  /**
   * Percentage (0–100 and above) of the packed size limit that the session policies and tags use;
   * STS rejects the call above 100.
   */
  PackedPolicySize?: number
  /** The source identity of the session, when one was set. */
  SourceIdentity?: string
  /** Percentage (0–100) of the maximum session token size that the token uses. */
  SessionTokenUtilization?: number
  /** Bytes of the session token. */
  SessionTokenSize?: number
  /** The STS request id (for AWS support and CloudTrail). */
  RequestId?: string
}

/** The error of a response that lacks a field or holds a malformed one. */
const badResponse = (x: XmlFields, what: string): StsError =>
  new StsError('InvalidResponse', `the STS response has no valid ${what}`, {
    requestId: x.requestId,
  })

/**
 * A required key or token: keys and tokens cannot contain whitespace (documentation samples wrap
 * them).
 */
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

// The API reference: inline and managed session policies together take at most 2,048 plaintext
// characters.
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
    // Keys in the API model's order (Credentials, AssumedRoleUser, then the rest), as the SDK and
    // the AWS CLI print them.
    const result: Record<string, unknown> = { Credentials: credentialsOf(x) }
    if (id) result.AssumedRoleUser = { AssumedRoleId: id, Arn: arn! }
    return addLeaves<AssumeRoleOutput>(x, AssumeRole.paths.slice(6), result)
  },
}

/** The result of every operation that returns temporary credentials. */
export interface CredentialsOutput {
  /** The temporary credentials. Pass them on with `toIdentity(Credentials)`. */
  Credentials: StsCredentials
  /**
   * Percentage (0–100 and above) of the packed size limit that the session policies and tags use;
   * STS rejects the call above 100.
   */
  PackedPolicySize?: number
  /** The source identity of the session, when one was set. */
  SourceIdentity?: string
  /** Percentage (0–100) of the maximum session token size that the token uses. */
  SessionTokenUtilization?: number
  /** Bytes of the session token. */
  SessionTokenSize?: number
  /** The STS request id (for AWS support and CloudTrail). */
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
  /** The user at the origin identity provider. */
  OriginIdentity?: {
    /** The SAML `NameID` of the user. */
    Subject?: string
    /** The format of the SAML `NameID` (`persistent`, `transient`, or the full URI). */
    SubjectType?: string
    /** The SAML issuer (`Issuer` of the response). */
    Issuer?: string
    /** ARN of the IAM identity provider (OIDC or SAML) that federated the user. */
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

/**
 * Input of AssumeRoleWithWebIdentity (an OIDC token: GitHub Actions, Vercel, Cloudflare Access,
 * Kubernetes, ...).
 */
export interface AssumeRoleWithWebIdentityInput {
  /** ARN of the role to assume: 20–2048 characters. */
  RoleArn: string
  /**
   * Name of the session, seen in CloudTrail and in the assumed-role ARN: 2–64 characters of
   * `[\w+=,.@-]`.
   */
  RoleSessionName: string
  /**
   * The OAuth 2.0 access token or OpenID Connect ID token of the identity provider: 4–20000
   * characters. Never echoed in errors.
   */
  WebIdentityToken: string
  /**
   * Only for OAuth 2.0 access tokens of `www.amazon.com` or `graph.facebook.com`: 4–2048
   * characters.
   */
  ProviderId?: string
  /**
   * Managed policies that narrow the session's permissions: at most 10 ARNs (20–2048 characters
   * each). With `Policy`, at most 2,048 plaintext characters in all.
   */
  PolicyArns?: PolicyDescriptor[]
  /**
   * An inline session policy (JSON) that narrows the session's permissions: 1–2048 characters of
   * TAB, LF, CR and U+0020–U+00FF.
   */
  Policy?: string
  /**
   * Seconds the credentials last: 900 to 43200, at most the role's maximum session duration (STS
   * default 3600).
   */
  DurationSeconds?: number
  /** Bytes the session token is padded to at least: 0–4096. */
  MinimumSessionTokenSize?: number
}
/** Output of AssumeRoleWithWebIdentity. */
export interface AssumeRoleWithWebIdentityOutput extends CredentialsOutput {
  /** The `sub` claim of the web identity token: the user at the identity provider. */
  SubjectFromWebIdentityToken?: string
  /** The assumed-role user: its id (`AROA…:session`) and ARN, for policies and logs. */
  AssumedRoleUser?: AssumedRoleUser
  /** The issuer of the web identity token (`iss` claim, or the provider id). */
  Provider?: string
  /** The intended audience of the token (`aud` claim, or the SAML `Audience`). */
  Audience?: string
  /** The end user behind the session, when STS set one. */
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
  /** ARN of the role to assume: 20–2048 characters. */
  RoleArn: string
  /** ARN of the SAML provider in IAM that describes the identity provider: 20–2048 characters. */
  PrincipalArn: string
  /**
   * The base64-encoded SAML authentication response of the identity provider: 4–100000 characters.
   * Never echoed in errors.
   */
  SAMLAssertion: string
  /**
   * Managed policies that narrow the session's permissions: at most 10 ARNs (20–2048 characters
   * each). With `Policy`, at most 2,048 plaintext characters in all.
   */
  PolicyArns?: PolicyDescriptor[]
  /**
   * An inline session policy (JSON) that narrows the session's permissions: 1–2048 characters of
   * TAB, LF, CR and U+0020–U+00FF.
   */
  Policy?: string
  /**
   * Seconds the credentials last: 900 to 43200, at most the role's maximum session duration and the
   * SAML `SessionNotOnOrAfter` (STS default 3600).
   */
  DurationSeconds?: number
  /** Bytes the session token is padded to at least: 0–4096. */
  MinimumSessionTokenSize?: number
}
/** Output of AssumeRoleWithSAML. */
export interface AssumeRoleWithSAMLOutput extends CredentialsOutput {
  /** The assumed-role user: its id (`AROA…:session`) and ARN, for policies and logs. */
  AssumedRoleUser?: AssumedRoleUser
  /** The SAML `NameID` of the user. */
  Subject?: string
  /** The format of the SAML `NameID` (`persistent`, `transient`, or the full URI). */
  SubjectType?: string
  /** The SAML issuer (`Issuer` of the response). */
  Issuer?: string
  /** The intended audience of the token (`aud` claim, or the SAML `Audience`). */
  Audience?: string
  /**
   * A hash of the issuer, account id and SAML provider name: with `Subject`, it names the user
   * uniquely.
   */
  NameQualifier?: string
  /** The end user behind the session, when STS set one. */
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
  /**
   * Seconds the credentials last: 900 to 129600 (36 hours); 3600 at most for root user credentials
   * (STS default 43200).
   */
  DurationSeconds?: number
  /**
   * The MFA device: a hardware serial number or a virtual device ARN, 9–256 characters of
   * `[\w+=/:,.@-]`; only with `TokenCode`.
   */
  SerialNumber?: string
  /** The 6-digit code of the MFA device; only with `SerialNumber`. Never echoed in errors. */
  TokenCode?: string
  /** Bytes the session token is padded to at least: 0–4096. */
  MinimumSessionTokenSize?: number
}
/**
 * GetSessionToken: temporary credentials for the calling IAM user, optionally MFA-authenticated.
 */
export const GetSessionToken: Operation<GetSessionTokenInput, CredentialsOutput> =
  /* @__PURE__ */ op<GetSessionTokenInput, CredentialsOutput>(
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
  /** Name of the federated user, in its ARN: 2–32 characters of `[\w+=,.@-]`. */
  Name: string
  /**
   * An inline session policy (JSON) that narrows the session's permissions: 1–2048 characters of
   * TAB, LF, CR and U+0020–U+00FF.
   */
  Policy?: string
  /**
   * Managed policies that narrow the session's permissions: at most 10 ARNs (20–2048 characters
   * each). With `Policy`, at most 2,048 plaintext characters in all.
   */
  PolicyArns?: PolicyDescriptor[]
  /**
   * Seconds the credentials last: 900 to 129600 (36 hours); 3600 at most for root user credentials
   * (STS default 43200).
   */
  DurationSeconds?: number
  /**
   * Session tags: at most 50, keys 1–128 and values 0–256 characters of letters, digits, spaces and
   * `_.:/=+-@`; keys unique ignoring case.
   */
  Tags?: Tag[]
  /** Bytes the session token is padded to at least: 0–4096. */
  MinimumSessionTokenSize?: number
}
/** Output of GetFederationToken. */
export interface GetFederationTokenOutput extends CredentialsOutput {
  /** The federated user: its id (`account:name`) and ARN. */
  FederatedUser?: {
    /** `account-id:name`. */
    FederatedUserId: string
    /** ARN of the federated user, e.g. `arn:aws:sts::123456789012:federated-user/name`. */
    Arn: string
  }
}
/** GetFederationToken: temporary credentials for a federated user. */
export const GetFederationToken: Operation<GetFederationTokenInput, GetFederationTokenOutput> =
  /* @__PURE__ */ op<GetFederationTokenInput, GetFederationTokenOutput>(
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
  /** The member account (12-digit id or ARN) whose root user to act as: 12–2048 characters. */
  TargetPrincipal: string
  /**
   * The AWS managed policy that scopes the root session (e.g.
   * `arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials`).
   */
  TaskPolicyArn: PolicyDescriptor
  /** Seconds the credentials last: 0 to 900 (STS default 900). */
  DurationSeconds?: number
  /** Bytes the session token is padded to at least: 0–4096. */
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
    DurationSeconds: num(0, 900),
    MinimumSessionTokenSize: TOKEN_SIZE(),
  }),
  ['SourceIdentity'],
  true,
)

/** Output of GetCallerIdentity. */
export interface GetCallerIdentityOutput {
  /** The unique id of the caller (`AIDA…` for a user, `AROA…:session` for a role session). */
  UserId?: string
  /** The 12-digit AWS account id. */
  Account?: string
  /** The ARN of the caller. */
  Arn?: string
  /** The STS request id (for AWS support and CloudTrail). */
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

/** Input of GetAccessKeyInfo. */
export interface GetAccessKeyInfoInput {
  /** An access key id (`AKIA…` or `ASIA…`): 16–128 word characters. */
  AccessKeyId: string
}
/** Output of GetAccessKeyInfo. */
export interface GetAccessKeyInfoOutput {
  /** The 12-digit id of the account the key belongs to. */
  Account?: string
  /** The STS request id (for AWS support and CloudTrail). */
  RequestId?: string
}
/** GetAccessKeyInfo: the account an access key belongs to. */
export const GetAccessKeyInfo: Operation<GetAccessKeyInfoInput, GetAccessKeyInfoOutput> =
  /* @__PURE__ */ op<GetAccessKeyInfoInput, GetAccessKeyInfoOutput>(
    'GetAccessKeyInfo',
    () => ({ AccessKeyId: req(str(16, 128, /[^\w]/)) }),
    ['Account'],
    false,
  )

/** Input of DecodeAuthorizationMessage. */
export interface DecodeAuthorizationMessageInput {
  /** The encoded message of an authorization failure: 1–10240 characters. */
  EncodedMessage: string
}
/** Output of DecodeAuthorizationMessage. */
export interface DecodeAuthorizationMessageOutput {
  /**
   * A JSON document naming the denied action, the resource, the context and the matching
   * statements.
   */
  DecodedMessage?: string
  /** The STS request id (for AWS support and CloudTrail). */
  RequestId?: string
}
/** DecodeAuthorizationMessage: the JSON behind an encoded authorization failure message. */
export const DecodeAuthorizationMessage: Operation<
  DecodeAuthorizationMessageInput,
  DecodeAuthorizationMessageOutput
> = /* @__PURE__ */ op<DecodeAuthorizationMessageInput, DecodeAuthorizationMessageOutput>(
  'DecodeAuthorizationMessage',
  () => ({ EncodedMessage: req(str(1, 10240)) }),
  ['DecodedMessage'],
  false,
)

/**
 * Input of GetScopedCredentials (called with temporary credentials; `Policy` or `DurationSeconds`
 * or both).
 */
export interface GetScopedCredentialsInput {
  /**
   * An inline session policy (JSON) that narrows the session's permissions: 1–2048 characters of
   * TAB, LF, CR and U+0020–U+00FF.
   */
  Policy?: string
  /**
   * Seconds the narrowed credentials last: 1 to 129600, at most what the calling credentials have
   * left.
   */
  DurationSeconds?: number
  /** Bytes the session token is padded to at least: 0–4096. */
  MinimumSessionTokenSize?: number
  /** A description of the narrowed session: 0–256 characters. */
  ScopedSessionDescription?: string
}
/** Output of GetScopedCredentials. */
export interface GetScopedCredentialsOutput extends CredentialsOutput {
  /** The narrowed session: its id and ARN. */
  SessionInfo?: {
    /** The id of the narrowed session. */
    ScopedSessionId: string
    /** ARN of the narrowed session. */
    Arn: string
  }
  /** The number of policies that narrow the session. */
  ScopedPoliciesCount?: number
}
/**
 * GetScopedCredentials: the caller's temporary credentials, narrowed by a policy or a shorter life.
 */
export const GetScopedCredentials: Operation<
  GetScopedCredentialsInput,
  GetScopedCredentialsOutput
> = /* @__PURE__ */ op<GetScopedCredentialsInput, GetScopedCredentialsOutput>(
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

/** Input of GetDelegatedAccessToken. */
export interface GetDelegatedAccessTokenInput {
  /** The trade-in token that names the principal: 1–100000 characters. Never echoed in errors. */
  TradeInToken: string
}
/** Output of GetDelegatedAccessToken. */
export interface GetDelegatedAccessTokenOutput extends CredentialsOutput {
  /** ARN of the principal whose permissions the credentials carry. */
  AssumedPrincipal?: string
}
/**
 * GetDelegatedAccessToken: a trade-in token exchanged for the credentials of the principal it
 * names.
 */
export const GetDelegatedAccessToken: Operation<
  GetDelegatedAccessTokenInput,
  GetDelegatedAccessTokenOutput
> = /* @__PURE__ */ op<GetDelegatedAccessTokenInput, GetDelegatedAccessTokenOutput>(
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
  /** The algorithm STS signs the JWT with. */
  SigningAlgorithm: 'RS256' | 'ES384'
  /**
   * OAuth 2.0 scopes, space-separated; only with `SubjectMode: 'OriginIdentity'` and one audience.
   */
  Scope?: string
  /** The JWT's `sub`: the AWS identity of the caller (default) or the origin identity behind it. */
  SubjectMode?: 'AWSIdentity' | 'OriginIdentity'
  /**
   * Session tags: at most 50, keys 1–128 and values 0–256 characters of letters, digits, spaces and
   * `_.:/=+-@`; keys unique ignoring case.
   */
  Tags?: Tag[]
}
/** Output of GetWebIdentityToken. */
export interface GetWebIdentityTokenOutput {
  /** The signed JWT (a bearer credential: treat it as a secret). */
  WebIdentityToken: string
  /** When the JWT expires. */
  Expiration: Date
  /** The STS request id (for AWS support and CloudTrail). */
  RequestId?: string
}
// RFC 6749 §3.3 scopes as the API reference restricts them: printable ASCII but `"`, `,` and `\`,
// single spaces between.
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
/**
 * GetWebIdentityToken: a JWT signed by STS that names the caller, for services that accept OIDC.
 */
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
