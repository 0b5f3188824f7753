// The identities a local STS starts with when none are given: two IAM users, a few roles with the
// trust rules tests need, and one token of each kind. Made-up values only.
import type {
  LocalStsRole,
  LocalStsUser,
  SamlAssertionClaims,
  WebIdentityClaims,
} from './local-sts.ts'

/** The account of every example identity. */
export const EXAMPLE_ACCOUNT: string = '123456789012'

/** `alice` (with an MFA device, code `123456`) and `bob`. */
export const EXAMPLE_USERS: LocalStsUser[] = [
  {
    accessKeyId: 'AKIAALICEEXAMPLE0001',
    secretAccessKey: 'alice/Secret+Key/wJalrXUtnFEMIK7MDENGbPxRfiCY',
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:user/alice`,
    mfaSerial: `arn:aws:iam::${EXAMPLE_ACCOUNT}:mfa/alice`,
    mfaCode: '123456',
  },
  {
    accessKeyId: 'AKIABOBEXAMPLE000002',
    secretAccessKey: 'bob/Secret+Key/0000000000000000000000000000',
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:user/bob`,
  },
]

/**
 * `demo` (any user of the account), `chained` (sessions of `demo`), `mfa` (alice, with MFA),
 * `partner` (external ID `partner-ext-id`), `locked` (nobody), `long` (12-hour sessions),
 * `web` (GitHub Actions OIDC tokens) and `saml` (the example SAML provider).
 */
export const EXAMPLE_ROLES: LocalStsRole[] = [
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/demo`,
    trusts: [`arn:aws:iam::${EXAMPLE_ACCOUNT}:user/*`],
  },
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/chained`,
    trusts: [`arn:aws:sts::${EXAMPLE_ACCOUNT}:assumed-role/demo/*`],
  },
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/mfa`,
    trusts: [`arn:aws:iam::${EXAMPLE_ACCOUNT}:user/alice`],
    requireMfa: true,
  },
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/partner`,
    trusts: [`arn:aws:iam::${EXAMPLE_ACCOUNT}:user/*`],
    externalId: 'partner-ext-id',
  },
  { arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/locked`, trusts: [] },
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/long`,
    trusts: [`arn:aws:iam::${EXAMPLE_ACCOUNT}:user/*`],
    maxSessionDuration: 43200,
  },
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/web`,
    trusts: ['oidc:token.actions.githubusercontent.com'],
  },
  {
    arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/saml`,
    trusts: [`saml:arn:aws:iam::${EXAMPLE_ACCOUNT}:saml-provider/example-idp`],
  },
]

/** One OIDC token (a GitHub Actions one), accepted by the `web` role. */
export const EXAMPLE_WEB_IDENTITY_TOKENS: Record<string, WebIdentityClaims> = {
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9yZXBvIn0.c2lnbmF0dXJl': {
    iss: 'token.actions.githubusercontent.com',
    sub: 'repo:org/repo:ref:refs/heads/main',
    aud: 'sts.amazonaws.com',
  },
}

/** One base64 SAML assertion, for the `saml` role with principal `…:saml-provider/example-idp`. */
export const EXAMPLE_SAML_ASSERTIONS: Record<string, SamlAssertionClaims> = {
  'PHNhbWxwOlJlc3BvbnNlPmV4YW1wbGU8L3NhbWxwOlJlc3BvbnNlPg==': {
    subject: 'alice@example.com',
    subjectType: 'persistent',
    issuer: 'https://idp.example.com/saml',
    audience: 'https://signin.aws.amazon.com/saml',
  },
}

/** One trade-in token for GetDelegatedAccessToken, for the role it names. */
export const EXAMPLE_TRADE_IN_TOKENS: Record<string, string> = {
  'trade-in+token/local=1': `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/delegated`,
}

/** One encoded authorization message and the JSON DecodeAuthorizationMessage returns for it. */
export const EXAMPLE_AUTHORIZATION_MESSAGES: Record<string, string> = {
  'encoded-authorization-message-example-1':
    '{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"context":{"action":"ec2:RunInstances"}}',
}
