// Every STS operation as a command, with its options named and typed as `aws sts <command> help`
// names them (the AWS API model). Commands the AWS CLI 2.9 does not have yet follow the same
// naming rule: the member name in kebab case.
// The library is imported through its entry point ('../index.js'): the built CLI loads
// dist/index.js rather than carrying a second copy.
import {
  assumeRole,
  assumeRoleWithSAML,
  assumeRoleWithWebIdentity,
  assumeRoot,
  decodeAuthorizationMessage,
  getAccessKeyInfo,
  getCallerIdentity,
  getDelegatedAccessToken,
  getFederationToken,
  getScopedCredentials,
  getSessionToken,
  getWebIdentityToken,
} from '../index.js'
import type { StsConfig } from '../index.js'
import type { Shape } from './values.ts'

/** One option of a command: its flag, the API member it fills and the member's type. */
export interface Parameter {
  /** The flag without dashes, e.g. `role-arn`. */
  option: string
  /** The API member, e.g. `RoleArn`. */
  member: string
  shape: Shape
  /** The AWS CLI refuses to run without it. */
  required?: boolean
  /** A bearer secret: never echoed, and best given as `file://` to stay out of shell history. */
  secret?: boolean
  /** One line of help. */
  help: string
}

/** What a command returns, which decides the outputs it allows and whether it can be cached. */
export type Returns = 'credentials' | 'token' | 'data'

/** A command: an STS operation, its options, and how it is called. */
export interface Command {
  name: string
  /** The STS action, as in `An error occurred (…) when calling the <action> operation`. */
  action: string
  summary: string
  parameters: Parameter[]
  returns: Returns
  /** Called without SigV4 (the token or assertion is the credential): no source credentials. */
  unsigned?: boolean
  call: (input: Record<string, unknown>, config: StsConfig) => Promise<object>
  /** Fills defaults the AWS CLI does not have (after the cache key is taken). */
  complete?: (input: Record<string, unknown>, now: number) => void
}

const string: Shape = { type: 'string' }
const integer: Shape = { type: 'integer' }
const strings: Shape = { type: 'list', member: string }
const structure = (members: string[], required: string[]): Shape => ({
  type: 'structure',
  members: Object.fromEntries(members.map((name) => [name, string])),
  required,
})
const policyArn = structure(['arn'], [])
const policyArns: Shape = { type: 'list', member: policyArn }
const tags: Shape = { type: 'list', member: structure(['Key', 'Value'], ['Key', 'Value']) }
const providedContexts: Shape = {
  type: 'list',
  member: structure(['ProviderArn', 'ContextAssertion'], []),
}

const ROLE_ARN: Parameter = {
  option: 'role-arn',
  member: 'RoleArn',
  shape: string,
  required: true,
  help: 'the ARN of the role to assume',
}
const ROLE_SESSION_NAME: Parameter = {
  option: 'role-session-name',
  member: 'RoleSessionName',
  shape: string,
  required: true,
  help: 'the session name, [\\w+=,.@-]{2,64}',
}
const POLICY_ARNS: Parameter = {
  option: 'policy-arns',
  member: 'PolicyArns',
  shape: policyArns,
  help: 'managed session policies (up to 10)',
}
const POLICY: Parameter = {
  option: 'policy',
  member: 'Policy',
  shape: string,
  help: 'an inline session policy (JSON; file://policy.json reads it from a file)',
}
const duration = (range: string): Parameter => ({
  option: 'duration-seconds',
  member: 'DurationSeconds',
  shape: integer,
  help: `the session's life in seconds (${range})`,
})
const SERIAL_NUMBER: Parameter = {
  option: 'serial-number',
  member: 'SerialNumber',
  shape: string,
  help: 'the MFA device (with --token-code)',
}
const TOKEN_CODE: Parameter = {
  option: 'token-code',
  member: 'TokenCode',
  shape: string,
  secret: true,
  help: "the MFA device's current code",
}
const TAGS: Parameter = {
  option: 'tags',
  member: 'Tags',
  shape: tags,
  help: 'session tags (up to 50)',
}
const MINIMUM_SESSION_TOKEN_SIZE: Parameter = {
  option: 'minimum-session-token-size',
  member: 'MinimumSessionTokenSize',
  shape: integer,
  help: 'bytes the session token is padded to at least (0-4096)',
}

/** Every command, in the order `aws sts help` lists them. */
export const COMMANDS: Command[] = [
  {
    name: 'assume-role',
    action: 'AssumeRole',
    summary: 'temporary credentials for an IAM role',
    returns: 'credentials',
    parameters: [
      ROLE_ARN,
      {
        ...ROLE_SESSION_NAME,
        required: false,
        help: `${ROLE_SESSION_NAME.help} (default: edge-sts-<milliseconds since 1970>)`,
      },
      POLICY_ARNS,
      POLICY,
      duration('900 to the role maximum; default 3600'),
      TAGS,
      {
        option: 'transitive-tag-keys',
        member: 'TransitiveTagKeys',
        shape: strings,
        help: 'tag keys that pass on to chained roles',
      },
      {
        option: 'external-id',
        member: 'ExternalId',
        shape: string,
        help: "the ExternalId the role's trust policy asks for",
      },
      SERIAL_NUMBER,
      TOKEN_CODE,
      {
        option: 'source-identity',
        member: 'SourceIdentity',
        shape: string,
        help: 'the source identity of the session',
      },
      {
        option: 'provided-contexts',
        member: 'ProvidedContexts',
        shape: providedContexts,
        help: 'context assertions from trusted context providers (up to 5)',
      },
      MINIMUM_SESSION_TOKEN_SIZE,
    ],
    call: (input, config) => assumeRole(input as never, config),
    complete: (input, now) => {
      if (input.RoleSessionName === undefined) input.RoleSessionName = `edge-sts-${now}`
    },
  },
  {
    name: 'assume-role-with-saml',
    action: 'AssumeRoleWithSAML',
    summary: 'temporary credentials for a role, from a SAML assertion (unsigned)',
    returns: 'credentials',
    unsigned: true,
    parameters: [
      ROLE_ARN,
      {
        option: 'principal-arn',
        member: 'PrincipalArn',
        shape: string,
        required: true,
        help: 'the ARN of the SAML provider in IAM',
      },
      {
        option: 'saml-assertion',
        member: 'SAMLAssertion',
        shape: string,
        required: true,
        secret: true,
        help: 'the base64 SAML response (file://assertion.txt keeps it out of shell history)',
      },
      POLICY_ARNS,
      POLICY,
      duration('900 to the role maximum; default 3600'),
      MINIMUM_SESSION_TOKEN_SIZE,
    ],
    call: (input, config) => assumeRoleWithSAML(input as never, config),
  },
  {
    name: 'assume-role-with-web-identity',
    action: 'AssumeRoleWithWebIdentity',
    summary: 'temporary credentials for a role, from an OIDC token (unsigned)',
    returns: 'credentials',
    unsigned: true,
    parameters: [
      ROLE_ARN,
      ROLE_SESSION_NAME,
      {
        option: 'web-identity-token',
        member: 'WebIdentityToken',
        shape: string,
        required: true,
        secret: true,
        help: 'the OIDC token (file://token keeps it out of shell history)',
      },
      {
        option: 'provider-id',
        member: 'ProviderId',
        shape: string,
        help: 'OAuth 2.0 providers only: www.amazon.com or graph.facebook.com',
      },
      POLICY_ARNS,
      POLICY,
      duration('900 to the role maximum; default 3600'),
      MINIMUM_SESSION_TOKEN_SIZE,
    ],
    call: (input, config) => assumeRoleWithWebIdentity(input as never, config),
  },
  {
    name: 'assume-root',
    action: 'AssumeRoot',
    summary: "short-term credentials for a privileged task on a member account's root user",
    returns: 'credentials',
    parameters: [
      {
        option: 'target-principal',
        member: 'TargetPrincipal',
        shape: string,
        required: true,
        help: 'the member account id',
      },
      {
        option: 'task-policy-arn',
        member: 'TaskPolicyArn',
        shape: policyArn,
        required: true,
        help: 'the task policy: arn=arn:aws:iam::aws:policy/root-task/…',
      },
      duration('0 to 900; default 900'),
      MINIMUM_SESSION_TOKEN_SIZE,
    ],
    call: (input, config) => assumeRoot(input as never, config),
  },
  {
    name: 'decode-authorization-message',
    action: 'DecodeAuthorizationMessage',
    summary: 'the JSON behind an encoded authorization failure message',
    returns: 'data',
    parameters: [
      {
        option: 'encoded-message',
        member: 'EncodedMessage',
        shape: string,
        required: true,
        help: 'the encoded message from the failure',
      },
    ],
    call: (input, config) => decodeAuthorizationMessage(input as never, config),
  },
  {
    name: 'get-access-key-info',
    action: 'GetAccessKeyInfo',
    summary: 'the account an access key id belongs to',
    returns: 'data',
    parameters: [
      {
        option: 'access-key-id',
        member: 'AccessKeyId',
        shape: string,
        required: true,
        help: 'the access key id (AKIA… or ASIA…)',
      },
    ],
    call: (input, config) => getAccessKeyInfo(input as never, config),
  },
  {
    name: 'get-caller-identity',
    action: 'GetCallerIdentity',
    summary: 'the account, user id and ARN of the source credentials',
    returns: 'data',
    parameters: [],
    call: (_input, config) => getCallerIdentity(config),
  },
  {
    name: 'get-delegated-access-token',
    action: 'GetDelegatedAccessToken',
    summary: 'the credentials of the principal a trade-in token names',
    returns: 'credentials',
    parameters: [
      {
        option: 'trade-in-token',
        member: 'TradeInToken',
        shape: string,
        required: true,
        secret: true,
        help: 'the trade-in token (file://token keeps it out of shell history)',
      },
    ],
    call: (input, config) => getDelegatedAccessToken(input as never, config),
  },
  {
    name: 'get-federation-token',
    action: 'GetFederationToken',
    summary: 'temporary credentials for a federated user',
    returns: 'credentials',
    parameters: [
      {
        option: 'name',
        member: 'Name',
        shape: string,
        required: true,
        help: 'the federated user name, [\\w+=,.@-]{2,32}',
      },
      POLICY,
      POLICY_ARNS,
      duration('900 to 129600; default 43200'),
      TAGS,
      MINIMUM_SESSION_TOKEN_SIZE,
    ],
    call: (input, config) => getFederationToken(input as never, config),
  },
  {
    name: 'get-scoped-credentials',
    action: 'GetScopedCredentials',
    summary: 'the (temporary) source credentials narrowed by a policy or a shorter life',
    returns: 'credentials',
    parameters: [
      { ...POLICY, help: 'the scope-down policy (JSON)' },
      duration("1 to 129600; default: the calling session's expiration"),
      MINIMUM_SESSION_TOKEN_SIZE,
      {
        option: 'scoped-session-description',
        member: 'ScopedSessionDescription',
        shape: string,
        help: 'recorded in CloudTrail (at most 256 characters)',
      },
    ],
    call: (input, config) => getScopedCredentials(input as never, config),
  },
  {
    name: 'get-session-token',
    action: 'GetSessionToken',
    summary: 'temporary credentials for the IAM user of the source credentials',
    returns: 'credentials',
    parameters: [
      duration('900 to 129600; default 43200'),
      SERIAL_NUMBER,
      TOKEN_CODE,
      MINIMUM_SESSION_TOKEN_SIZE,
    ],
    call: (input, config) => getSessionToken(input as never, config),
  },
  {
    name: 'get-web-identity-token',
    action: 'GetWebIdentityToken',
    summary: "a JWT naming the source credentials' identity, for services that accept OIDC",
    returns: 'token',
    parameters: [
      {
        option: 'audience',
        member: 'Audience',
        shape: strings,
        required: true,
        help: "the token's aud claim: 1 to 10 values, separated by spaces",
      },
      {
        option: 'signing-algorithm',
        member: 'SigningAlgorithm',
        shape: string,
        required: true,
        help: 'RS256 or ES384',
      },
      duration('60 to 3600; default 300'),
      {
        option: 'subject-mode',
        member: 'SubjectMode',
        shape: string,
        help: 'AWSIdentity (default) or OriginIdentity',
      },
      {
        option: 'scope',
        member: 'Scope',
        shape: string,
        help: 'space-separated OAuth 2.0 scopes (OriginIdentity, one audience)',
      },
      { ...TAGS, help: 'custom claims' },
    ],
    call: (input, config) => getWebIdentityToken(input as never, config),
  },
]

/** The command of this name, or undefined. */
export const findCommand = (name: string): Command | undefined =>
  COMMANDS.find((command) => command.name === name)
