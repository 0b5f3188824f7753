// The `edge-sts` command: argument parsing, AWS_* environment, output formats. It talks to the
// world only through `io` and `env`, so the same code runs (and is tested) under Node, Deno and Bun;
// bin.ts binds it to the process.
// The library is imported through its entry point ('./index.js'): the built CLI loads dist/index.js
// rather than carrying a second copy.
import {
  assumeRole,
  EdgeStsError,
  getCallerIdentity,
  getScopedCredentials,
  getSessionToken,
  getWebIdentityToken,
  StsError,
  StsValidationError,
} from './index.js'
import type { StsConfig, StsCredentials } from './index.js'

/** Where the command writes, and the fetch it uses. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  fetch?: typeof fetch
}

type Env = Record<string, string | undefined>
type Flags = Record<string, string>
type Format = 'json' | 'env' | 'credential-process'

// Exit codes: 0 success, 1 the call failed (STS, network, response), 2 the command line is wrong.
class Usage extends Error {}

const COMMON = `
Common options:
  --region REGION        signing region and endpoint (default: AWS_REGION, AWS_DEFAULT_REGION)
  --endpoint URL         STS endpoint (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)
  --format FORMAT        json (default), env (export lines) or credential-process
  --timeout-ms MS        time limit of each attempt (default 10000)
  --max-attempts N       attempts in all, retries included (default 3)
  -h, --help             this help

Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
Exit status: 0 success, 1 the call failed, 2 the command line is wrong.`

const COMMANDS: Record<
  string,
  { help: string; flags: string[]; run: (f: Flags, c: StsConfig) => Promise<object> }
> = {
  'assume-role': {
    help: `Usage: edge-sts assume-role --role-arn ARN [options]

Temporary credentials for an IAM role (STS AssumeRole).

  --role-arn ARN              the role to assume (required)
  --role-session-name NAME    session name (default: edge-sts-<milliseconds since 1970>)
  --duration-seconds N        900 to the role's maximum session duration (default 3600)
  --external-id ID            the ExternalId the role's trust policy asks for
  --serial-number ARN         MFA device, with --token-code
  --token-code CODE           the MFA device's current code
  --tags K=V,K=V              session tags
  --transitive-tag-keys K,K   tag keys that pass on to chained roles
  --policy JSON               an inline session policy
  --source-identity ID        source identity of the session
`,
    flags: [
      'role-arn',
      'role-session-name',
      'duration-seconds',
      'external-id',
      'serial-number',
      'token-code',
      'tags',
      'transitive-tag-keys',
      'policy',
      'source-identity',
    ],
    run: (f, c) =>
      assumeRole(
        {
          RoleArn: f['role-arn'] ?? usage('--role-arn is required'),
          RoleSessionName: f['role-session-name'] ?? `edge-sts-${Date.now()}`,
          DurationSeconds: num(f, 'duration-seconds'),
          ExternalId: f['external-id'],
          ...mfa(f),
          Tags: tags(f),
          TransitiveTagKeys: f['transitive-tag-keys']?.split(','),
          Policy: f.policy,
          SourceIdentity: f['source-identity'],
        },
        c,
      ),
  },
  'get-session-token': {
    help: `Usage: edge-sts get-session-token [options]

Temporary credentials for the IAM user of the source credentials (STS GetSessionToken).

  --duration-seconds N        900 to 129600 (default 43200)
  --serial-number ARN         MFA device, with --token-code
  --token-code CODE           the MFA device's current code
`,
    flags: ['duration-seconds', 'serial-number', 'token-code'],
    run: (f, c) => getSessionToken({ DurationSeconds: num(f, 'duration-seconds'), ...mfa(f) }, c),
  },
  'get-scoped-credentials': {
    help: `Usage: edge-sts get-scoped-credentials (--policy JSON | --duration-seconds N) [options]

The source credentials, which must be temporary, narrowed by a policy and/or a shorter life
(STS GetScopedCredentials). The identity stays the same.

  --policy JSON               the scope-down policy
  --duration-seconds N        1 to 129600 (default: the calling session's expiration)
  --description TEXT          recorded in CloudTrail (at most 256 characters)
`,
    flags: ['policy', 'duration-seconds', 'description'],
    run: (f, c) =>
      getScopedCredentials(
        {
          Policy: f.policy,
          DurationSeconds: num(f, 'duration-seconds'),
          ScopedSessionDescription: f.description,
        },
        c,
      ),
  },
  'get-web-identity-token': {
    help: `Usage: edge-sts get-web-identity-token --audience AUD[,AUD] --signing-algorithm RS256|ES384 [options]

A JWT signed by STS that names the source credentials' identity, for services that accept OIDC
(STS GetWebIdentityToken; regional endpoints only). Output: json only.

  --audience AUD,AUD          the token's aud claim: 1 to 10 values (required)
  --signing-algorithm ALG     RS256 or ES384 (required)
  --duration-seconds N        60 to 3600 (default 300)
  --subject-mode MODE         AWSIdentity (default) or OriginIdentity
  --scope SCOPES              space-separated OAuth 2.0 scopes (OriginIdentity, one audience)
  --tags K=V,K=V              custom claims
`,
    flags: ['audience', 'signing-algorithm', 'duration-seconds', 'subject-mode', 'scope', 'tags'],
    run: (f, c) =>
      getWebIdentityToken(
        {
          Audience: (f.audience ?? usage('--audience is required')).split(','),
          SigningAlgorithm: (f['signing-algorithm'] ??
            usage('--signing-algorithm is required')) as 'RS256',
          DurationSeconds: num(f, 'duration-seconds'),
          SubjectMode: f['subject-mode'] as 'AWSIdentity' | undefined,
          Scope: f.scope,
          Tags: tags(f),
        },
        c,
      ),
  },
  'get-caller-identity': {
    help: `Usage: edge-sts get-caller-identity [options]

The account, user id and ARN of the source credentials (STS GetCallerIdentity). Output: json only.
`,
    flags: [],
    run: (_, c) => getCallerIdentity(c),
  },
}

const HELP = `Usage: edge-sts <command> [options]

AWS STS from the command line, under Node, Deno and Bun.

Commands:
  assume-role             temporary credentials for an IAM role
  get-session-token       temporary credentials for the IAM user
  get-scoped-credentials  the (temporary) credentials narrowed by a policy or a shorter life
  get-web-identity-token  a JWT naming the credentials' identity, for services that accept OIDC
  get-caller-identity     who the credentials belong to

Run \`edge-sts <command> --help\` for a command's options.
${COMMON}
`

const usage = (message: string): never => {
  throw new Usage(message)
}

// --tags K=V,K=V; a value may itself hold `=`.
const tags = (f: Flags) =>
  f.tags?.split(',').map((t) => {
    const i = t.indexOf('=')
    return i > 0
      ? { Key: t.slice(0, i), Value: t.slice(i + 1) }
      : usage(`--tags: "${t}" is not Key=Value`)
  })

const num = (f: Flags, name: string) => {
  const v = f[name]
  if (v == null) return undefined
  if (!/^\d+$/.test(v)) usage(`--${name} must be a whole number of seconds, not "${v}"`)
  return +v
}

const mfa = (f: Flags) => {
  if (!f['serial-number'] != !f['token-code']) usage('--serial-number and --token-code go together')
  return { SerialNumber: f['serial-number'], TokenCode: f['token-code'] }
}

const COMMON_FLAGS = ['region', 'endpoint', 'format', 'timeout-ms', 'max-attempts']

const parse = (args: string[], allowed: string[]) => {
  const flags: Flags = {}
  let help = false
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a == '-h' || a == '--help') {
      help = true
      continue
    }
    const m = /^--([a-z0-9-]+)(?:=([^]*))?$/.exec(a)
    if (!m) usage(`unexpected argument "${a}"`)
    const name = m![1]!
    if (!allowed.includes(name)) usage(`unknown option --${name}`)
    const value = m![2] ?? args[++i]
    if (value == null) usage(`--${name} needs a value`)
    if (name in flags) usage(`--${name} is given twice`)
    flags[name] = value!
  }
  return { flags, help }
}

// Values are base64, ARNs and ISO dates; anything else is single-quoted for POSIX shells.
const shell = (v: string) => (/^[\w+/=.:@,-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`)

const print = (out: { Credentials?: StsCredentials }, format: Format) => {
  const c = out.Credentials
  if (format == 'json' || !c) {
    if (!c && format != 'json') usage(`--format ${format} is for commands that return credentials`)
    return JSON.stringify(out, null, 2)
  }
  const e = c.Expiration.toISOString()
  // The AWS CLI/SDK credential_process contract: Version 1 and an RFC 3339 Expiration.
  if (format == 'credential-process')
    return JSON.stringify(
      {
        Version: 1,
        AccessKeyId: c.AccessKeyId,
        SecretAccessKey: c.SecretAccessKey,
        SessionToken: c.SessionToken,
        Expiration: e,
      },
      null,
      2,
    )
  return Object.entries({
    AWS_ACCESS_KEY_ID: c.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
    AWS_SESSION_TOKEN: c.SessionToken,
    AWS_CREDENTIAL_EXPIRATION: e,
  })
    .map(([k, v]) => `export ${k}=${shell(v)}`)
    .join('\n')
}

/**
 * Runs `edge-sts` with the arguments after the program name and returns the exit status.
 * Secrets reach stdout only, as the requested output; errors name the problem, never a secret.
 */
export async function main(argv: string[], env: Env, io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name == null || name == '-h' || name == '--help' || name == 'help') {
      io[name == null ? 'stderr' : 'stdout'](HELP)
      return name == null ? 2 : 0
    }
    const command = COMMANDS[name] ?? usage(`unknown command "${name}"`)
    const { flags, help } = parse(rest, [...command.flags, ...COMMON_FLAGS])
    if (help) {
      io.stdout(command.help + COMMON + '\n')
      return 0
    }
    const format = (flags.format ?? 'json') as Format
    if (!['json', 'env', 'credential-process'].includes(format))
      usage(`--format must be json, env or credential-process, not "${format}"`)
    if (/^get-(caller-identity|web-identity-token)$/.test(name) && format != 'json')
      usage(`--format ${format} is for commands that return credentials`)
    const accessKeyId = env.AWS_ACCESS_KEY_ID
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
    if (!accessKeyId || !secretAccessKey)
      usage(
        'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)',
      )
    const timeout = flags['timeout-ms']
    const attempts = flags['max-attempts']
    if (timeout != null && !/^\d+$/.test(timeout))
      usage(`--timeout-ms must be a whole number, not "${timeout}"`)
    if (attempts != null && !/^\d+$/.test(attempts))
      usage(`--max-attempts must be a whole number, not "${attempts}"`)
    const out = await command.run(flags, {
      credentials: {
        accessKeyId: accessKeyId!,
        secretAccessKey: secretAccessKey!,
        sessionToken: env.AWS_SESSION_TOKEN || undefined,
      },
      region: flags.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined),
      endpoint: flags.endpoint ?? (env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined),
      timeoutMs: timeout == null ? undefined : +timeout,
      maxAttempts: attempts == null ? undefined : +attempts,
      fetch: io.fetch,
    })
    io.stdout(print(out, format) + '\n')
    return 0
  } catch (e) {
    if (e instanceof Usage) {
      io.stderr(
        `edge-sts: ${e.message}\n${name && COMMANDS[name] ? `Run \`edge-sts ${name} --help\` for its options.` : 'Run `edge-sts --help` for the commands.'}\n`,
      )
      return 2
    }
    if (e instanceof StsValidationError) {
      io.stderr(`edge-sts: invalid input:\n${e.issues.map((i) => `  ${i.message}`).join('\n')}\n`)
      return 2
    }
    if (e instanceof StsError) {
      io.stderr(
        `edge-sts: ${e.code} (HTTP ${e.status}${e.requestId ? `, RequestId ${e.requestId}` : ''}): ${e.message}\n`,
      )
      return 1
    }
    if (e instanceof EdgeStsError) {
      io.stderr(`edge-sts: ${e.code}: ${e.message}\n`)
      return e.code == 'ValidationError' ? 2 : 1
    }
    // Not ours (a bug or a runtime fault): its name only, as its message might quote anything.
    io.stderr(`edge-sts: unexpected ${(e as Error)?.name ?? 'error'}\n`)
    return 1
  }
}
