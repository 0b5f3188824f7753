// A local STS that behaves like the real one, as a web-standard fetch handler (no node: imports).
// Signatures are verified with @smithy/signature-v4 (AWS's own signer) as an independent oracle,
// never with this library's signer. Faults can be switched on for tests.
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'

export const NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
export const ACCOUNT = '123456789012'

export interface User {
  accessKeyId: string
  secretAccessKey: string
  arn: string
  mfaSerial?: string
  mfaCode?: string
}
export interface Role {
  arn: string
  /** Principal ARNs (or prefixes ending in `*`) allowed to assume it. */
  trusts: string[]
  externalId?: string
  requireMfa?: boolean
  maxSessionDuration?: number
}
export interface Session {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: number
  arn: string
  roleArn?: string
}

export const USERS: User[] = [
  {
    accessKeyId: 'AKIAALICEEXAMPLE0001',
    secretAccessKey: 'alice/Secret+Key/wJalrXUtnFEMIK7MDENGbPxRfiCY',
    arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
    mfaCode: '123456',
  },
  {
    accessKeyId: 'AKIABOBEXAMPLE000002',
    secretAccessKey: 'bob/Secret+Key/0000000000000000000000000000',
    arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  },
]
export const ROLES: Role[] = [
  { arn: `arn:aws:iam::${ACCOUNT}:role/demo`, trusts: [`arn:aws:iam::${ACCOUNT}:user/*`] },
  {
    arn: `arn:aws:iam::${ACCOUNT}:role/chained`,
    trusts: [`arn:aws:sts::${ACCOUNT}:assumed-role/demo/*`],
  },
  {
    arn: `arn:aws:iam::${ACCOUNT}:role/mfa`,
    trusts: [`arn:aws:iam::${ACCOUNT}:user/alice`],
    requireMfa: true,
  },
  {
    arn: `arn:aws:iam::${ACCOUNT}:role/partner`,
    trusts: [`arn:aws:iam::${ACCOUNT}:user/*`],
    externalId: 'partner-ext-id',
  },
  { arn: `arn:aws:iam::${ACCOUNT}:role/locked`, trusts: [] },
  {
    arn: `arn:aws:iam::${ACCOUNT}:role/long`,
    trusts: [`arn:aws:iam::${ACCOUNT}:user/*`],
    maxSessionDuration: 43200,
  },
  { arn: `arn:aws:iam::${ACCOUNT}:role/web`, trusts: ['oidc:token.actions.githubusercontent.com'] },
]
/** OIDC tokens the local STS accepts for AssumeRoleWithWebIdentity (issuer, subject, audience). */
export const WEB_TOKENS: Record<string, { iss: string; sub: string; aud: string }> = {
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9yZXBvIn0.c2lnbmF0dXJl': {
    iss: 'token.actions.githubusercontent.com',
    sub: 'repo:org/repo:ref:refs/heads/main',
    aud: 'sts.amazonaws.com',
  },
}

/** Trade-in tokens the local STS exchanges in GetDelegatedAccessToken, for the role they name. */
export const TRADE_IN_TOKENS: Record<string, string> = {
  'trade-in+token/local=1': `arn:aws:iam::${ACCOUNT}:role/delegated`,
}

/** Fault switches; counts are used up one request at a time, the rest hold until reset(). */
export interface Faults {
  /** Answer the next N requests with `Throttling` (HTTP 400, as STS sends it). */
  throttle?: number
  /** Answer the next `count` requests with a proxy's HTML error page. */
  html5xx?: { count: number; status: number }
  /** Stream the body in chunks of this many bytes. */
  chunkSize?: number
  /** Wait this long between chunks. */
  chunkDelayMs?: number
  /** Send only the first N bytes of the body. */
  truncateAt?: number
  /** Server clock = real clock + skewMs (Date header, signature age, Expiration). */
  skewMs?: number
  /** Wait before answering. */
  delayMs?: number
  /** Answer 200 with an empty body. */
  emptyBody?: boolean
  /** Answer errors with HTTP 200. */
  errorsAs200?: boolean
  /** Node server only: destroy the connection of the next N requests before answering ('before') or after the headers ('mid'). */
  reset?: { count: number; when: 'before' | 'mid' }
}

export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  params: Record<string, string>
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
const rand = (n: number, alphabet: string) =>
  Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => alphabet[b % alphabet.length]).join(
    '',
  )
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const amzToMs = (d: string) =>
  Date.parse(d.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'))

class Fault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type = 'Sender',
  ) {
    super(message)
  }
}

// STS parameter limits (API reference), checked like the service does: "N validation errors detected".
const LIMITS: Record<string, [number, number, RegExp?]> = {
  RoleArn: [20, 2048],
  RoleSessionName: [2, 64, /^[\w+=,.@-]*$/],
  Policy: [1, 2048, /^[\u0009\u000A\u000D\u0020-\u00FF]*$/],
  ExternalId: [2, 1224, /^[\w+=,.@:/-]*$/],
  SerialNumber: [9, 256, /^[\w+=/:,.@-]*$/],
  TokenCode: [6, 6, /^\d*$/],
  SourceIdentity: [2, 64, /^[\w+=,.@-]*$/],
}

export function createLocalSts(options: { users?: User[]; roles?: Role[] } = {}) {
  const users = options.users ?? USERS
  const roles = options.roles ?? ROLES
  const sessions = new Map<string, Session>()
  const state = {
    faults: {} as Faults,
    requests: [] as RecordedRequest[],
    timers: new Set<ReturnType<typeof setTimeout>>(),
  }
  const now = () => Date.now() + (state.faults.skewMs ?? 0)

  const respond = (status: number, body: string, requestId: string) => {
    const f = state.faults
    const bytes = new TextEncoder().encode(body).slice(0, f.truncateAt ?? Infinity)
    const size = f.chunkSize
    const stream = f.emptyBody
      ? null
      : new ReadableStream<Uint8Array>({
          async pull(c) {
            if (!size) {
              c.enqueue(bytes)
              return c.close()
            }
            for (let i = 0; i < bytes.length; i += size) {
              c.enqueue(bytes.slice(i, i + size))
              if (f.chunkDelayMs) await new Promise((r) => setTimeout(r, f.chunkDelayMs))
            }
            c.close()
          },
        })
    return new Response(stream, {
      status,
      headers: {
        'content-type': 'text/xml',
        'x-amzn-requestid': requestId,
        date: new Date(now()).toUTCString(),
      },
    })
  }
  const errorBody = (e: Fault, requestId: string) =>
    `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${e.type}</Type>\n    <Code>${e.code}</Code>\n    <Message>${xml(e.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`

  // Who signed the request (or a Fault): SigV4 header auth, verified by the smithy oracle.
  const authenticate = async (req: Request, url: URL, body: string) => {
    const auth = req.headers.get('authorization')
    if (!auth)
      throw new Fault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        auth,
      )
    if (!m)
      throw new Fault(
        400,
        'IncompleteSignature',
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
      )
    const [, keyId, day, region, service, signedHeaders, signature] = m as unknown as string[]
    const amzDate = req.headers.get('x-amz-date') ?? ''
    const user = users.find((u) => u.accessKeyId === keyId)
    const session = sessions.get(keyId!)
    if (!user && !session)
      throw new Fault(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      )
    if (session && req.headers.get('x-amz-security-token') !== session.sessionToken)
      throw new Fault(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      )
    if (session && !signedHeaders!.split(';').includes('x-amz-security-token'))
      throw new Fault(403, 'IncompleteSignature', 'The x-amz-security-token header must be signed.')
    if (service !== 'sts' || !amzDate.startsWith(day!))
      throw new Fault(
        403,
        'SignatureDoesNotMatch',
        "Credential should be scoped to correct service: 'sts'. ",
      )
    const signedAt = amzToMs(amzDate)
    const server = now()
    const fmt = (t: number) => new Date(t).toISOString().replace(/[:-]|\.\d+/g, '')
    if (!(signedAt > server - 15 * 60000))
      throw new Fault(
        403,
        'SignatureDoesNotMatch',
        `Signature expired: ${amzDate} is now earlier than ${fmt(server - 15 * 60000)} (${fmt(server)} - 15 min.)`,
      )
    if (signedAt > server + 15 * 60000)
      throw new Fault(
        403,
        'SignatureDoesNotMatch',
        `Signature not yet current: ${amzDate} is still later than ${fmt(server + 15 * 60000)} (${fmt(server)} + 15 min.)`,
      )
    const names = signedHeaders!.split(';')
    const headers: Record<string, string> = {}
    for (const n of names)
      headers[n] = n === 'host' ? (req.headers.get('host') ?? url.host) : (req.headers.get(n) ?? '')
    const query: Record<string, string | string[]> = {}
    for (const [k, v] of url.searchParams) query[k] = k in query ? [query[k]!].flat().concat(v) : v
    const secret = user?.secretAccessKey ?? session!.secretAccessKey
    const oracle = new SignatureV4({
      credentials: {
        accessKeyId: keyId!,
        secretAccessKey: secret,
        sessionToken: session?.sessionToken,
      },
      region: region!,
      service: 'sts',
      sha256: Sha256,
      applyChecksum: false,
    })
    const signed = (await oracle.sign(
      {
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? +url.port : undefined,
        path: url.pathname,
        query,
        headers,
        body,
      } as any,
      { signingDate: new Date(signedAt), signableHeaders: new Set(names) },
    )) as unknown as { headers: Record<string, string> }
    const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization!)![1]
    if (expected !== signature)
      throw new Fault(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      )
    if (session && session.expiration <= server)
      throw new Fault(403, 'ExpiredToken', 'The security token included in the request is expired')
    return user ? { arn: user.arn, user } : { arn: session!.arn, session }
  }

  const issue = (arn: string, seconds: number, roleArn?: string): Session => {
    const s: Session = {
      accessKeyId: 'ASIA' + rand(16, UPPER),
      secretAccessKey: rand(40, B64),
      sessionToken: 'IQoJb3JpZ2luX2VjE' + rand(420, B64) + '==',
      expiration: now() + seconds * 1000,
      arn,
      roleArn,
    }
    sessions.set(s.accessKeyId, s)
    return s
  }
  const credentialsXml = (s: Session) =>
    `<Credentials>\n      <AccessKeyId>${s.accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${s.secretAccessKey}</SecretAccessKey>\n      <SessionToken>${s.sessionToken}</SessionToken>\n      <Expiration>${new Date(s.expiration).toISOString()}</Expiration>\n    </Credentials>`
  const success = (action: string, inner: string, requestId: string) =>
    `<${action}Response xmlns="${NS}">\n  <${action}Result>\n    ${inner}\n  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`

  const validate = (p: Record<string, string>, required: string[]) => {
    const errors: string[] = []
    for (const r of required)
      if (!p[r])
        errors.push(
          `Value null at '${r[0]!.toLowerCase() + r.slice(1)}' failed to satisfy constraint: Member must not be null`,
        )
    for (const [k, [min, max, re]] of Object.entries(LIMITS)) {
      const v = p[k]
      if (v === undefined) continue
      const at = `at '${k[0]!.toLowerCase() + k.slice(1)}' failed to satisfy constraint:`
      if (v.length < min)
        errors.push(`Value '${v}' ${at} Member must have length greater than or equal to ${min}`)
      else if (v.length > max)
        errors.push(`Value '${v}' ${at} Member must have length less than or equal to ${max}`)
      else if (re && !re.test(v))
        errors.push(
          `Value '${v}' ${at} Member must satisfy regular expression pattern: ${re.source}`,
        )
    }
    if (
      p.DurationSeconds !== undefined &&
      !(+p.DurationSeconds >= 900 && +p.DurationSeconds <= 43200)
    )
      errors.push(
        `Value '${p.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
      )
    const tagKeys = Object.keys(p).filter((k) => /^Tags\.member\.\d+\.Key$/.test(k))
    if (tagKeys.length > 50)
      errors.push(
        "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
      )
    if (errors.length)
      throw new Fault(
        400,
        'ValidationError',
        `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`,
      )
    const lower = tagKeys.map((k) => p[k]!.toLowerCase())
    if (new Set(lower).size !== lower.length)
      throw new Fault(
        400,
        'InvalidParameterValue',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      )
  }

  const invalid = (message: string) =>
    new Fault(400, 'ValidationError', `1 validation error detected: ${message}`)
  const operations: Record<
    string,
    (
      p: Record<string, string>,
      who: Awaited<ReturnType<typeof authenticate>>,
      requestId: string,
    ) => string
  > = {
    AssumeRole(p, who) {
      validate(p, ['RoleArn', 'RoleSessionName'])
      const role = roles.find((r) => r.arn === p.RoleArn)
      const denied = () =>
        new Fault(
          403,
          'AccessDenied',
          `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${p.RoleArn}`,
        )
      if (
        !role ||
        !role.trusts.some((t) =>
          t.endsWith('*') ? who.arn.startsWith(t.slice(0, -1)) : who.arn === t,
        )
      )
        throw denied()
      if (role.externalId && p.ExternalId !== role.externalId) throw denied()
      if (role.requireMfa) {
        const u = who.user
        if (!p.SerialNumber || !u || p.SerialNumber !== u.mfaSerial || p.TokenCode !== u.mfaCode)
          throw new Fault(
            403,
            'AccessDenied',
            'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
          )
      }
      if (p.Policy !== undefined) {
        try {
          JSON.parse(p.Policy)
        } catch {
          throw new Fault(
            400,
            'MalformedPolicyDocument',
            'The policy is not in the valid JSON format.',
          )
        }
      }
      const duration = p.DurationSeconds ? +p.DurationSeconds : 3600
      if (who.session && duration > 3600)
        throw new Fault(
          400,
          'ValidationError',
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        )
      if (duration > (role.maxSessionDuration ?? 3600))
        throw new Fault(
          400,
          'ValidationError',
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        )
      // A deterministic stand-in for the packed size of session policies and tags (percent of the limit).
      const packedInputs =
        (p.Policy?.length ?? 0) +
        100 * Object.keys(p).filter((k) => k.startsWith('PolicyArns.')).length +
        Object.entries(p)
          .filter(([k]) => k.startsWith('Tags.'))
          .reduce((n, [, v]) => n + v.length, 0)
      if (packedInputs > 4000)
        throw new Fault(
          400,
          'PackedPolicyTooLarge',
          'Packed size of the session policies and tags exceeds the limit.',
        )
      const roleName = role.arn.split('/').pop()
      const id = 'AROA' + rand(17, UPPER)
      const s = issue(
        `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${p.RoleSessionName}`,
        duration,
        role.arn,
      )
      const packed = packedInputs
        ? `\n    <PackedPolicySize>${Math.ceil((packedInputs * 100) / 4000)}</PackedPolicySize>`
        : ''
      const source = p.SourceIdentity
        ? `<SourceIdentity>${xml(p.SourceIdentity)}</SourceIdentity>\n    `
        : ''
      return `${source}<AssumedRoleUser>\n      <AssumedRoleId>${id}:${xml(p.RoleSessionName!)}</AssumedRoleId>\n      <Arn>${xml(s.arn)}</Arn>\n    </AssumedRoleUser>\n    ${credentialsXml(s)}${packed}`
    },
    AssumeRoleWithWebIdentity(p) {
      validate(p, ['RoleArn', 'RoleSessionName', 'WebIdentityToken'])
      const claims = WEB_TOKENS[p.WebIdentityToken!]
      if (!claims)
        throw new Fault(
          400,
          'InvalidIdentityToken',
          "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        )
      const role = roles.find((r) => r.arn === p.RoleArn)
      if (!role || !role.trusts.includes(`oidc:${claims.iss}`))
        throw new Fault(
          403,
          'AccessDenied',
          'Not authorized to perform sts:AssumeRoleWithWebIdentity',
        )
      const s = issue(
        `arn:aws:sts::${ACCOUNT}:assumed-role/${role.arn.split('/').pop()}/${p.RoleSessionName}`,
        p.DurationSeconds ? +p.DurationSeconds : 3600,
        role.arn,
      )
      return `<SubjectFromWebIdentityToken>${xml(claims.sub)}</SubjectFromWebIdentityToken>\n    <Audience>${claims.aud}</Audience>\n    <AssumedRoleUser>\n      <Arn>${xml(s.arn)}</Arn>\n      <AssumedRoleId>AROA${rand(17, UPPER)}:${xml(p.RoleSessionName!)}</AssumedRoleId>\n    </AssumedRoleUser>\n    ${credentialsXml(s)}\n    <Provider>${claims.iss}</Provider>`
    },
    GetCallerIdentity(_p, who) {
      const id = who.user ? 'AIDA' + who.user.accessKeyId.slice(4) : who.session!.accessKeyId
      return `<Arn>${xml(who.arn)}</Arn>\n    <UserId>${id}</UserId>\n    <Account>${ACCOUNT}</Account>`
    },
    // Temporary credentials only; the scoped session keeps the caller's identity and at most its lifetime.
    GetScopedCredentials(p, who) {
      if (!who.session)
        throw new Fault(
          403,
          'AccessDenied',
          'GetScopedCredentials requires temporary security credentials',
        )
      if (p.Policy === undefined && p.DurationSeconds === undefined)
        throw invalid('Policy or DurationSeconds must be specified')
      if (
        p.DurationSeconds !== undefined &&
        !(+p.DurationSeconds >= 1 && +p.DurationSeconds <= 129600)
      )
        throw invalid(
          `Value '${p.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 1 and 129600`,
        )
      const left = Math.floor((who.session.expiration - now()) / 1000)
      const s = issue(
        who.arn,
        Math.min(left, p.DurationSeconds ? +p.DurationSeconds : left),
        who.session.roleArn,
      )
      const size = s.sessionToken.length + +(p.MinimumSessionTokenSize ?? 0)
      return `${credentialsXml(s)}\n    <SessionInfo>\n      <ScopedSessionId>AROA${rand(17, UPPER)}</ScopedSessionId>\n      <Arn>${xml(who.arn)}</Arn>\n    </SessionInfo>\n    <SessionTokenSize>${size}</SessionTokenSize>\n    <SessionTokenUtilization>${Math.ceil((size * 100) / 8192)}</SessionTokenUtilization>\n    <ScopedPoliciesCount>${p.Policy === undefined ? 0 : 1}</ScopedPoliciesCount>`
    },
    GetWebIdentityToken(p, who) {
      const audience = Object.keys(p)
        .filter((k) => /^Audience\.member\.\d+$/.test(k))
        .map((k) => p[k]!)
      if (!audience.length)
        throw invalid(
          "Value null at 'audience' failed to satisfy constraint: Member must not be null",
        )
      if (!/^(RS256|ES384)$/.test(p.SigningAlgorithm ?? ''))
        throw invalid(
          "Value at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]",
        )
      const exp = Math.floor(now() / 1000) + (p.DurationSeconds ? +p.DurationSeconds : 300)
      const b64 = (o: object) =>
        btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
      const jwt = `${b64({ alg: p.SigningAlgorithm, kid: 'local' })}.${b64({ sub: who.arn, aud: audience, exp })}.${rand(86, UPPER)}`
      return `<WebIdentityToken>${jwt}</WebIdentityToken>\n    <Expiration>${new Date(exp * 1000).toISOString()}</Expiration>`
    },
    GetDelegatedAccessToken(p) {
      const role = p.TradeInToken && TRADE_IN_TOKENS[p.TradeInToken]
      if (!role)
        throw new Fault(
          400,
          'ExpiredTradeInTokenException',
          'The trade-in token provided in the request has expired or is invalid.',
        )
      return `${credentialsXml(issue(`arn:aws:sts::${ACCOUNT}:assumed-role/${role.split('/').pop()}/delegated`, 3600, role))}\n    <AssumedPrincipal>${role}</AssumedPrincipal>`
    },
    GetSessionToken(p, who) {
      validate(p, [])
      if (who.session)
        throw new Fault(403, 'AccessDenied', 'Cannot call GetSessionToken with session credentials')
      if (
        p.SerialNumber &&
        (p.SerialNumber !== who.user!.mfaSerial || p.TokenCode !== who.user!.mfaCode)
      )
        throw new Fault(
          403,
          'AccessDenied',
          'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
        )
      return credentialsXml(issue(who.arn, p.DurationSeconds ? +p.DurationSeconds : 43200))
    },
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => (state.timers.delete(t), resolve()), ms)
      state.timers.add(t)
    })

  async function fetch(req: Request): Promise<Response> {
    const url = new URL(req.url)
    const body = req.method === 'GET' ? '' : await req.text()
    const params = Object.fromEntries(new URLSearchParams(req.method === 'GET' ? url.search : body))
    const requestId = crypto.randomUUID()
    state.requests.push({
      method: req.method,
      url: req.url,
      headers: Object.fromEntries(req.headers),
      body,
      params,
    })
    const f = state.faults
    if (f.delayMs) await sleep(f.delayMs)
    if (f.html5xx && f.html5xx.count > 0) {
      f.html5xx.count--
      return new Response(
        `<!DOCTYPE html>\n<html><head><title>${f.html5xx.status}</title></head><body><h1>${f.html5xx.status} Bad Gateway</h1></body></html>`,
        {
          status: f.html5xx.status,
          headers: { 'content-type': 'text/html' },
        },
      )
    }
    try {
      if (f.throttle && f.throttle > 0) {
        f.throttle--
        throw new Fault(400, 'Throttling', 'Rate exceeded')
      }
      const op = operations[params.Action ?? '']
      if (!op)
        throw new Fault(
          400,
          'InvalidAction',
          `Could not find operation ${params.Action} for version ${params.Version}`,
        )
      if (params.Version !== '2011-06-15')
        throw new Fault(
          400,
          'InvalidAction',
          `Could not find operation ${params.Action} for version ${params.Version}`,
        )
      // AssumeRoleWithWebIdentity and AssumeRoleWithSAML are not signed: the token is the credential.
      const who = /^AssumeRoleWith(WebIdentity|SAML)$/.test(params.Action!)
        ? { arn: '', session: undefined }
        : await authenticate(req, url, body)
      return respond(200, success(params.Action!, op(params, who, requestId), requestId), requestId)
    } catch (e) {
      if (!(e instanceof Fault)) throw e
      return respond(f.errorsAs200 ? 200 : e.status, errorBody(e, requestId), requestId)
    }
  }

  return {
    fetch,
    state,
    sessions,
    get faults() {
      return state.faults
    },
    set faults(f: Faults) {
      state.faults = f
    },
    reset() {
      state.faults = {}
      state.requests.length = 0
    },
    stop() {
      for (const t of state.timers) clearTimeout(t)
      state.timers.clear()
    },
  }
}

export type LocalSts = ReturnType<typeof createLocalSts>
