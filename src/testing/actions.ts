// What each STS action of the local STS does: its parameter checks (STS's "N validation errors
// detected" wording), its authorization rules, and the XML of its result.
import { StsFault } from './fault.ts'
import type {
  LocalStsRole,
  LocalStsSession,
  LocalStsUser,
  SamlAssertionClaims,
  WebIdentityClaims,
} from './local-sts.ts'

/** Who signed the request. */
export interface Caller {
  arn: string
  userId: string
  user?: LocalStsUser
  session?: LocalStsSession
}

/** Everything the actions read: the configured identities, the issued sessions, the clock. */
export interface World {
  users: LocalStsUser[]
  roles: LocalStsRole[]
  webIdentityTokens: Record<string, WebIdentityClaims>
  samlAssertions: Record<string, SamlAssertionClaims>
  tradeInTokens: Record<string, string>
  authorizationMessages: Record<string, string>
  sessions: Map<string, LocalStsSession>
  /** Role IDs (`AROA…`) given out so far, by role ARN. */
  roleIds: Map<string, string>
  now: () => number
}

/** What a new session is made of; the keys, token and expiration are added by the issuer. */
export type SessionRequest = Omit<
  LocalStsSession,
  'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'expiration'
> & { seconds: number }

/** Makes and stores temporary credentials. */
export type Issuer = (session: SessionRequest) => LocalStsSession

/** One STS action. */
export interface Action {
  /** Called without SigV4 (the token or assertion is the credential). */
  unsigned?: boolean
  /** Returns the inner XML of the `…Result` element, or throws an StsFault. */
  run(params: Record<string, string>, context: ActionContext): string
}

/** What an action runs with. */
export interface ActionContext {
  /** Undefined for unsigned actions. */
  caller?: Caller
  world: World
  issue: Issuer
}

/** Text as XML character data: markup characters as numeric references. */
export const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

const randomId = (length: number): string =>
  Array.from(
    crypto.getRandomValues(new Uint8Array(length)),
    (byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[byte % 32],
  ).join('')

const accountOf = (arn: string): string => arn.split(':')[4] ?? ''
const lastPart = (arn: string): string => arn.split('/').pop() ?? ''
const has = (params: Record<string, string>, name: string): boolean => Object.hasOwn(params, name)

// STS parameter limits (API reference): [min length, max length, allowed characters].
const LIMITS: Record<string, [number, number, RegExp?]> = {
  RoleArn: [20, 2048],
  PrincipalArn: [20, 2048],
  RoleSessionName: [2, 64, /^[\w+=,.@-]*$/],
  Name: [2, 32, /^[\w+=,.@-]*$/],
  Policy: [1, 2048, /^[\u0009\u000A\u000D\u0020-\u00FF]*$/],
  ExternalId: [2, 1224, /^[\w+=,.@:/-]*$/],
  SerialNumber: [9, 256, /^[\w+=/:,.@-]*$/],
  TokenCode: [6, 6, /^\d*$/],
  SourceIdentity: [2, 64, /^[\w+=,.@-]*$/],
  SAMLAssertion: [4, 100000],
  WebIdentityToken: [4, 20000],
  AccessKeyId: [16, 128, /^\w*$/],
  EncodedMessage: [1, 10240],
  TargetPrincipal: [12, 2048],
}

const lowerFirst = (name: string) => name[0]!.toLowerCase() + name.slice(1)

const validationError = (errors: string[]) =>
  new StsFault(
    400,
    'ValidationError',
    `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`,
  )

// Checks the parameters present against LIMITS and the duration range; collects every violation.
const validate = (
  params: Record<string, string>,
  required: string[],
  duration: [number, number] = [900, 43200],
): void => {
  const errors: string[] = []
  for (const name of required)
    if (!params[name])
      errors.push(
        `Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
      )
  for (const [name, [min, max, pattern]] of Object.entries(LIMITS)) {
    if (!has(params, name)) continue
    const value = params[name]!
    const at = `at '${lowerFirst(name)}' failed to satisfy constraint:`
    if (value.length < min)
      errors.push(`Value '${value}' ${at} Member must have length greater than or equal to ${min}`)
    else if (value.length > max)
      errors.push(`Value '${value}' ${at} Member must have length less than or equal to ${max}`)
    else if (pattern && !pattern.test(value))
      errors.push(
        `Value '${value}' ${at} Member must satisfy regular expression pattern: ${pattern.source}`,
      )
  }
  if (has(params, 'DurationSeconds')) {
    const seconds = Number(params.DurationSeconds)
    if (!(seconds >= duration[0] && seconds <= duration[1]))
      errors.push(
        `Value '${params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between ${duration[0]} and ${duration[1]}`,
      )
  }
  const tagKeys = Object.keys(params).filter((name) => /^Tags\.member\.\d+\.Key$/.test(name))
  if (tagKeys.length > 50)
    errors.push(
      "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    )
  if (errors.length) throw validationError(errors)
  const lowerKeys = tagKeys.map((name) => params[name]!.toLowerCase())
  if (new Set(lowerKeys).size !== lowerKeys.length)
    throw new StsFault(
      400,
      'InvalidParameterValue',
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    )
}

const durationOf = (params: Record<string, string>, fallback: number): number =>
  has(params, 'DurationSeconds') ? Number(params.DurationSeconds) : fallback

const checkPolicy = (params: Record<string, string>): void => {
  if (!has(params, 'Policy')) return
  try {
    JSON.parse(params.Policy!)
  } catch {
    throw new StsFault(
      400,
      'MalformedPolicyDocument',
      'The policy is not in the valid JSON format.',
    )
  }
}

// A deterministic stand-in for the packed size of session policies and tags, in percent of the limit.
const packedPercent = (params: Record<string, string>): number => {
  let size = params.Policy?.length ?? 0
  for (const [name, value] of Object.entries(params)) {
    if (name.startsWith('PolicyArns.')) size += 100
    if (name.startsWith('Tags.')) size += value.length
  }
  if (size > 4000)
    throw new StsFault(
      400,
      'PackedPolicyTooLarge',
      'Packed size of the session policies and tags exceeds the limit.',
    )
  return Math.ceil((size * 100) / 4000)
}

const packedXml = (percent: number): string =>
  percent ? `\n    <PackedPolicySize>${percent}</PackedPolicySize>` : ''

const credentialsXml = (session: LocalStsSession): string =>
  `<Credentials>\n      <AccessKeyId>${session.accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>\n      <SessionToken>${session.sessionToken}</SessionToken>\n      <Expiration>${new Date(session.expiration).toISOString()}</Expiration>\n    </Credentials>`

const assumedRoleUserXml = (session: LocalStsSession): string =>
  `<AssumedRoleUser>\n      <AssumedRoleId>${escapeXml(session.userId)}</AssumedRoleId>\n      <Arn>${escapeXml(session.arn)}</Arn>\n    </AssumedRoleUser>`

const trusted = (role: LocalStsRole, principal: string): boolean =>
  role.trusts.some((rule) => {
    if (rule.endsWith('*')) return principal.startsWith(rule.slice(0, -1))
    return principal === rule
  })

const mfaFailed = () =>
  new StsFault(
    403,
    'AccessDenied',
    'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
  )

// A role's ID is stable for the role's ARN within one local STS, as IAM's is.
const roleIdOf = (world: World, roleArn: string): string => {
  let id = world.roleIds.get(roleArn)
  if (!id) {
    id = 'AROA' + randomId(17)
    world.roleIds.set(roleArn, id)
  }
  return id
}

const assumeRoleSession = (
  role: LocalStsRole,
  sessionName: string,
  seconds: number,
  { world, issue }: ActionContext,
): LocalStsSession =>
  issue({
    arn: `arn:aws:sts::${accountOf(role.arn)}:assumed-role/${lastPart(role.arn)}/${sessionName}`,
    userId: `${roleIdOf(world, role.arn)}:${sessionName}`,
    roleArn: role.arn,
    seconds,
  })

// The account an access key belongs to, decoded from the key ID (keys made since 2019 carry it).
const accountFromKeyId = (accessKeyId: string): string => {
  let bits = 0n
  for (const char of accessKeyId.slice(4, 14).toUpperCase()) {
    const value = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(char)
    bits = (bits << 5n) | BigInt(value < 0 ? 0 : value)
  }
  // 10 base32 characters are 50 bits; the account is bits 1 to 40 of the first 48.
  const first48 = bits >> 2n
  return String((first48 & 0x7fffffffff80n) >> 7n).padStart(12, '0')
}

const mustBeUser = (caller: Caller, action: string): LocalStsUser => {
  if (!caller.user)
    throw new StsFault(403, 'AccessDenied', `Cannot call ${action} with session credentials`)
  return caller.user
}

/** Every STS action the local STS answers, by `Action` name. */
export const actions: Record<string, Action> = {
  AssumeRole: {
    run(params, context) {
      const { caller, world } = context
      validate(params, ['RoleArn', 'RoleSessionName'])
      const who = caller!
      const role = world.roles.find((candidate) => candidate.arn === params.RoleArn)
      const denied = new StsFault(
        403,
        'AccessDenied',
        `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`,
      )
      if (!role || !trusted(role, who.arn)) throw denied
      if (role.externalId && params.ExternalId !== role.externalId) throw denied
      if (role.requireMfa) {
        const user = who.user
        if (!params.SerialNumber || !user || params.SerialNumber !== user.mfaSerial)
          throw mfaFailed()
        if (params.TokenCode !== user.mfaCode) throw mfaFailed()
      }
      checkPolicy(params)
      const seconds = durationOf(params, 3600)
      // Role chaining: a role session assuming a role (GetSessionToken sessions are not roles).
      if (who.session?.roleArn && seconds > 3600)
        throw new StsFault(
          400,
          'ValidationError',
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        )
      if (seconds > (role.maxSessionDuration ?? 3600))
        throw new StsFault(
          400,
          'ValidationError',
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        )
      const packed = packedPercent(params)
      const session = assumeRoleSession(role, params.RoleSessionName!, seconds, context)
      let source = ''
      if (params.SourceIdentity)
        source = `<SourceIdentity>${escapeXml(params.SourceIdentity)}</SourceIdentity>\n    `
      return `${source}${assumedRoleUserXml(session)}\n    ${credentialsXml(session)}${packedXml(packed)}`
    },
  },

  AssumeRoleWithWebIdentity: {
    unsigned: true,
    run(params, context) {
      const { world } = context
      validate(params, ['RoleArn', 'RoleSessionName', 'WebIdentityToken'])
      const token = params.WebIdentityToken!
      const claims = Object.hasOwn(world.webIdentityTokens, token)
        ? world.webIdentityTokens[token]
        : undefined
      if (!claims)
        throw new StsFault(
          400,
          'InvalidIdentityToken',
          "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        )
      const role = world.roles.find((candidate) => candidate.arn === params.RoleArn)
      if (!role || !role.trusts.includes(`oidc:${claims.iss}`))
        throw new StsFault(
          403,
          'AccessDenied',
          'Not authorized to perform sts:AssumeRoleWithWebIdentity',
        )
      checkPolicy(params)
      const packed = packedPercent(params)
      const session = assumeRoleSession(
        role,
        params.RoleSessionName!,
        durationOf(params, 3600),
        context,
      )
      return `<SubjectFromWebIdentityToken>${escapeXml(claims.sub)}</SubjectFromWebIdentityToken>\n    <Audience>${escapeXml(claims.aud)}</Audience>\n    ${assumedRoleUserXml(session)}\n    ${credentialsXml(session)}\n    <Provider>${escapeXml(claims.iss)}</Provider>${packedXml(packed)}`
    },
  },

  AssumeRoleWithSAML: {
    unsigned: true,
    run(params, context) {
      const { world } = context
      validate(params, ['RoleArn', 'PrincipalArn', 'SAMLAssertion'])
      const assertion = params.SAMLAssertion!
      const claims = Object.hasOwn(world.samlAssertions, assertion)
        ? world.samlAssertions[assertion]
        : undefined
      if (!claims)
        throw new StsFault(400, 'InvalidIdentityToken', 'Invalid SAML assertion: not accepted.')
      const role = world.roles.find((candidate) => candidate.arn === params.RoleArn)
      if (!role || !role.trusts.includes(`saml:${params.PrincipalArn}`))
        throw new StsFault(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML')
      checkPolicy(params)
      const packed = packedPercent(params)
      const session = assumeRoleSession(role, claims.subject, durationOf(params, 3600), context)
      // A stand-in for NameQualifier (STS: base64 of the SHA-1 of issuer, account and provider name):
      // the same shape, stable for the same inputs.
      const qualifier = btoa(
        `${claims.issuer}${accountOf(role.arn)}/${lastPart(params.PrincipalArn!)}`,
      )
        .slice(0, 27)
        .concat('=')
      return `${credentialsXml(session)}\n    ${assumedRoleUserXml(session)}${packedXml(packed)}\n    <Subject>${escapeXml(claims.subject)}</Subject>\n    <SubjectType>${escapeXml(claims.subjectType)}</SubjectType>\n    <Issuer>${escapeXml(claims.issuer)}</Issuer>\n    <Audience>${escapeXml(claims.audience)}</Audience>\n    <NameQualifier>${qualifier}</NameQualifier>`
    },
  },

  AssumeRoot: {
    run(params, { caller, issue }) {
      validate(params, ['TargetPrincipal', 'TaskPolicyArn.arn'], [0, 900])
      const target = params.TargetPrincipal!
      const policy = params['TaskPolicyArn.arn']!
      if (!/^\d{12}$/.test(target) || target === accountOf(caller!.arn))
        throw new StsFault(
          403,
          'AccessDenied',
          `User: ${caller!.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${target}:root`,
        )
      if (!policy.startsWith('arn:aws:iam::aws:policy/root-task/'))
        throw validationError([
          `Value '${policy}' at 'taskPolicyArn.arn' failed to satisfy constraint: Member must be an AWS managed root-task policy`,
        ])
      const session = issue({
        arn: `arn:aws:iam::${target}:root`,
        userId: target,
        seconds: durationOf(params, 900),
      })
      return credentialsXml(session)
    },
  },

  GetCallerIdentity: {
    run(_params, { caller }) {
      const who = caller!
      return `<Arn>${escapeXml(who.arn)}</Arn>\n    <UserId>${escapeXml(who.userId)}</UserId>\n    <Account>${accountOf(who.arn)}</Account>`
    },
  },

  GetAccessKeyInfo: {
    run(params, { world }) {
      validate(params, ['AccessKeyId'])
      const keyId = params.AccessKeyId!
      const user = world.users.find((candidate) => candidate.accessKeyId === keyId)
      const session = world.sessions.get(keyId)
      let account = accountFromKeyId(keyId)
      if (user) account = accountOf(user.arn)
      else if (session) account = accountOf(session.arn)
      return `<Account>${account}</Account>`
    },
  },

  DecodeAuthorizationMessage: {
    run(params, { world }) {
      validate(params, ['EncodedMessage'])
      const encoded = params.EncodedMessage!
      if (!Object.hasOwn(world.authorizationMessages, encoded))
        throw new StsFault(
          400,
          'InvalidAuthorizationMessageException',
          'The message is not a valid encoded authorization message.',
        )
      return `<DecodedMessage>${escapeXml(world.authorizationMessages[encoded]!)}</DecodedMessage>`
    },
  },

  GetFederationToken: {
    run(params, { caller, issue }) {
      validate(params, ['Name'], [900, 129600])
      const user = mustBeUser(caller!, 'GetFederationToken')
      checkPolicy(params)
      const packed = packedPercent(params)
      const account = accountOf(user.arn)
      const name = params.Name!
      const session = issue({
        arn: `arn:aws:sts::${account}:federated-user/${name}`,
        userId: `${account}:${name}`,
        seconds: durationOf(params, 43200),
      })
      return `${credentialsXml(session)}\n    <FederatedUser>\n      <Arn>${escapeXml(session.arn)}</Arn>\n      <FederatedUserId>${escapeXml(session.userId)}</FederatedUserId>\n    </FederatedUser>${packedXml(packed)}`
    },
  },

  GetSessionToken: {
    run(params, { caller, issue }) {
      validate(params, [], [900, 129600])
      const user = mustBeUser(caller!, 'GetSessionToken')
      if (params.SerialNumber) {
        if (params.SerialNumber !== user.mfaSerial || params.TokenCode !== user.mfaCode)
          throw mfaFailed()
      }
      const session = issue({
        arn: user.arn,
        userId: caller!.userId,
        seconds: durationOf(params, 43200),
        fromUser: user,
      })
      return credentialsXml(session)
    },
  },

  // Temporary credentials only; the scoped session keeps the caller's identity and at most its lifetime.
  GetScopedCredentials: {
    run(params, { caller, world, issue }) {
      const session = caller!.session
      if (!session)
        throw new StsFault(
          403,
          'AccessDenied',
          'GetScopedCredentials requires temporary security credentials',
        )
      if (!has(params, 'Policy') && !has(params, 'DurationSeconds'))
        throw validationError(['Policy or DurationSeconds must be specified'])
      validate(params, [], [1, 129600])
      const left = Math.floor((session.expiration - world.now()) / 1000)
      const scoped = issue({
        arn: session.arn,
        userId: session.userId,
        roleArn: session.roleArn,
        seconds: Math.min(left, durationOf(params, left)),
      })
      const size = scoped.sessionToken.length + Number(params.MinimumSessionTokenSize ?? 0)
      const policies = has(params, 'Policy') ? 1 : 0
      return `${credentialsXml(scoped)}\n    <SessionInfo>\n      <ScopedSessionId>${escapeXml(session.userId)}</ScopedSessionId>\n      <Arn>${escapeXml(session.arn)}</Arn>\n    </SessionInfo>\n    <SessionTokenSize>${size}</SessionTokenSize>\n    <SessionTokenUtilization>${Math.ceil((size * 100) / 8192)}</SessionTokenUtilization>\n    <ScopedPoliciesCount>${policies}</ScopedPoliciesCount>`
    },
  },

  GetWebIdentityToken: {
    run(params, { caller, world }) {
      const audience = Object.keys(params)
        .filter((name) => /^Audience\.member\.\d+$/.test(name))
        .map((name) => params[name]!)
      if (!audience.length)
        throw validationError([
          "Value null at 'audience' failed to satisfy constraint: Member must not be null",
        ])
      if (!/^(RS256|ES384)$/.test(params.SigningAlgorithm ?? ''))
        throw validationError([
          "Value at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]",
        ])
      const expires = Math.floor(world.now() / 1000) + durationOf(params, 300)
      const base64url = (value: object) =>
        btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
      const header = base64url({ alg: params.SigningAlgorithm, kid: 'local' })
      const claims = base64url({ sub: caller!.arn, aud: audience, exp: expires })
      const jwt = `${header}.${claims}.${randomId(86)}`
      return `<WebIdentityToken>${jwt}</WebIdentityToken>\n    <Expiration>${new Date(expires * 1000).toISOString()}</Expiration>`
    },
  },

  GetDelegatedAccessToken: {
    run(params, { world, issue }) {
      const token = params.TradeInToken ?? ''
      const roleArn = Object.hasOwn(world.tradeInTokens, token)
        ? world.tradeInTokens[token]
        : undefined
      if (!roleArn)
        throw new StsFault(
          400,
          'ExpiredTradeInTokenException',
          'The trade-in token provided in the request has expired or is invalid.',
        )
      const session = issue({
        arn: `arn:aws:sts::${accountOf(roleArn)}:assumed-role/${lastPart(roleArn)}/delegated`,
        userId: `${roleIdOf(world, roleArn)}:delegated`,
        roleArn,
        seconds: 3600,
      })
      return `${credentialsXml(session)}\n    <AssumedPrincipal>${escapeXml(roleArn)}</AssumedPrincipal>`
    },
  },
}
