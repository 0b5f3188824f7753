// The `edge-sts` command: main() in-process for every option and error path, then the built
// dist/cli.js as a real process under Node, Deno and Bun against the local STS. The credential_process
// output is read back by the AWS SDK's own credential_process provider, an independent oracle.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fromProcess } from '@aws-sdk/credential-provider-process'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli.ts'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = `${root}dist/cli.js`
const alice = USERS[0]!
const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo`
let server: Awaited<ReturnType<typeof startLocalSts>>
let env: Record<string, string>

beforeAll(async () => {
  server = await startLocalSts()
  env = {
    AWS_ACCESS_KEY_ID: alice.accessKeyId,
    AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: server.url,
  }
})
afterAll(() => server?.close())
beforeEach(() => server.sts.reset())

const run = async (argv: string[], e: Record<string, string | undefined> = env) => {
  let stdout = ''
  let stderr = ''
  const status = await main(argv, e, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
  })
  return { status, stdout, stderr }
}
const secrets = () => [
  alice.secretAccessKey,
  ...server.sts.state.requests.map((r) => r.headers.authorization ?? '').filter(Boolean),
]

describe('main(): assume-role', () => {
  it('json (default): the AssumeRole result with an ISO Expiration, as the AWS CLI prints it', async () => {
    const r = await run([
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'cli',
      '--duration-seconds',
      '900',
    ])
    expect(r).toMatchObject({ status: 0, stderr: '' })
    const out = JSON.parse(r.stdout)
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/demo/cli`)
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/)
    expect(out.Credentials.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    const left = Date.parse(out.Credentials.Expiration) - Date.now()
    expect(left).toBeGreaterThan(890_000)
    expect(left).toBeLessThanOrEqual(900_000)
    expect(server.sts.state.requests[0]!.params).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: ROLE,
      RoleSessionName: 'cli',
      DurationSeconds: '900',
    })
  })

  it('passes every option on the wire: external id, MFA, tags, transitive keys, policy, source identity', async () => {
    const policy =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
    const r = await run([
      'assume-role',
      `--role-arn=arn:aws:iam::${ACCOUNT}:role/mfa`,
      '--role-session-name=with-all',
      '--external-id',
      'ext-1',
      '--serial-number',
      alice.mfaSerial!,
      '--token-code',
      alice.mfaCode!,
      '--tags',
      'Project=edge,Team=a=b',
      '--transitive-tag-keys',
      'Project',
      '--policy',
      policy,
      '--source-identity',
      'alice',
    ])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(server.sts.state.requests[0]!.params).toMatchObject({
      ExternalId: 'ext-1',
      SerialNumber: alice.mfaSerial,
      TokenCode: alice.mfaCode,
      'Tags.member.1.Key': 'Project',
      'Tags.member.1.Value': 'edge',
      'Tags.member.2.Key': 'Team',
      'Tags.member.2.Value': 'a=b',
      'TransitiveTagKeys.member.1': 'Project',
      Policy: policy,
      SourceIdentity: 'alice',
    })
  })

  it('default RoleSessionName is edge-sts-<ms>', async () => {
    const before = Date.now()
    expect((await run(['assume-role', '--role-arn', ROLE])).status).toBe(0)
    const name = server.sts.state.requests[0]!.params.RoleSessionName!
    expect(name).toMatch(/^edge-sts-\d+$/)
    expect(+name.slice(9)).toBeGreaterThanOrEqual(before)
  })

  it('--format env prints export lines a POSIX shell evaluates back to the credentials', async () => {
    const r = await run(['assume-role', '--role-arn', ROLE, '--format', 'env'])
    expect(r.status).toBe(0)
    const { stdout } = await promisify(execFile)('sh', [
      '-c',
      `${r.stdout}\nprintf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION"`,
    ])
    const [id, secret, token, exp] = stdout.trim().split('\n')
    const session = server.sts.sessions.get(id!)!
    expect(session).toBeDefined()
    expect(secret).toBe(session.secretAccessKey)
    expect(token).toBe(session.sessionToken)
    expect(Date.parse(exp!)).toBe(session.expiration)
  })

  it('--format credential-process: Version 1 and RFC 3339 Expiration, exactly the keys the contract names', async () => {
    const r = await run(['assume-role', '--role-arn', ROLE, '--format', 'credential-process'])
    const out = JSON.parse(r.stdout)
    expect(Object.keys(out).sort()).toEqual([
      'AccessKeyId',
      'Expiration',
      'SecretAccessKey',
      'SessionToken',
      'Version',
    ])
    expect(out.Version).toBe(1)
    expect(out.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  })

  it('a session token in AWS_SESSION_TOKEN is signed and sent (role chaining from the shell)', async () => {
    const first = JSON.parse(
      (await run(['assume-role', '--role-arn', ROLE, '--role-session-name', 'hop1'])).stdout,
    ).Credentials
    const r = await run(
      [
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/chained`,
        '--role-session-name',
        'hop2',
      ],
      {
        ...env,
        AWS_ACCESS_KEY_ID: first.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: first.SecretAccessKey,
        AWS_SESSION_TOKEN: first.SessionToken,
      },
    )
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).AssumedRoleUser.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/chained/hop2`,
    )
    expect(server.sts.state.requests[1]!.headers['x-amz-security-token']).toBe(first.SessionToken)
  })
})

describe('main(): other commands', () => {
  it('get-caller-identity', async () => {
    const r = await run(['get-caller-identity'])
    expect(JSON.parse(r.stdout)).toMatchObject({ Account: ACCOUNT, Arn: alice.arn })
    expect((await run(['get-caller-identity', '--format', 'env'])).status).toBe(2)
  })

  it('get-session-token with MFA, region from AWS_DEFAULT_REGION', async () => {
    const { AWS_REGION, ...rest } = env
    const r = await run(
      [
        'get-session-token',
        '--duration-seconds',
        '1800',
        '--serial-number',
        alice.mfaSerial!,
        '--token-code',
        alice.mfaCode!,
        '--format',
        'credential-process',
      ],
      {
        ...rest,
        AWS_DEFAULT_REGION: 'eu-west-1',
      },
    )
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).Version).toBe(1)
    const req = server.sts.state.requests[0]!
    expect(req.params).toMatchObject({
      Action: 'GetSessionToken',
      DurationSeconds: '1800',
      SerialNumber: alice.mfaSerial,
    })
    expect(req.headers.authorization).toContain('/eu-west-1/sts/aws4_request')
  })

  it('get-scoped-credentials narrows temporary credentials (env format) and refuses IAM user ones', async () => {
    const role = JSON.parse(
      (await run(['assume-role', '--role-arn', ROLE, '--role-session-name', 'to-scope'])).stdout,
    ).Credentials
    const session = {
      ...env,
      AWS_ACCESS_KEY_ID: role.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: role.SecretAccessKey,
      AWS_SESSION_TOKEN: role.SessionToken,
    }
    const r = await run(
      [
        'get-scoped-credentials',
        '--duration-seconds',
        '600',
        '--policy',
        '{}',
        '--description',
        'batch job',
        '--format',
        'env',
      ],
      session,
    )
    expect(r).toMatchObject({ status: 0, stderr: '' })
    expect(r.stdout).toMatch(/^export AWS_ACCESS_KEY_ID=ASIA/)
    expect(server.sts.state.requests.at(-1)!.params).toMatchObject({
      Action: 'GetScopedCredentials',
      DurationSeconds: '600',
      Policy: '{}',
      ScopedSessionDescription: 'batch job',
    })
    const json = await run(['get-scoped-credentials', '--duration-seconds', '60'], session)
    expect(JSON.parse(json.stdout).SessionInfo.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/demo/to-scope`,
    )
    const denied = await run(['get-scoped-credentials', '--duration-seconds', '60'])
    expect([denied.status, denied.stdout]).toEqual([1, ''])
    expect(denied.stderr).toContain('AccessDenied')
    expect((await run(['get-scoped-credentials'], session)).stderr).toContain(
      'Policy: or DurationSeconds (or both) is required',
    )
  })

  it('get-web-identity-token prints the JWT and its expiration, json only', async () => {
    const r = await run([
      'get-web-identity-token',
      '--audience',
      'https://a.example,https://b.example',
      '--signing-algorithm',
      'RS256',
      '--duration-seconds',
      '120',
      '--tags',
      'team=x',
    ])
    expect(r).toMatchObject({ status: 0, stderr: '' })
    const out = JSON.parse(r.stdout)
    expect(out.WebIdentityToken.split('.')).toHaveLength(3)
    expect(Date.parse(out.Expiration) - Date.now()).toBeLessThanOrEqual(120_000)
    expect(server.sts.state.requests.at(-1)!.params).toMatchObject({
      Action: 'GetWebIdentityToken',
      'Audience.member.1': 'https://a.example',
      'Audience.member.2': 'https://b.example',
      SigningAlgorithm: 'RS256',
      DurationSeconds: '120',
      'Tags.member.1.Key': 'team',
    })
    expect(
      (
        await run([
          'get-web-identity-token',
          '--audience',
          'a',
          '--signing-algorithm',
          'RS256',
          '--format',
          'env',
        ])
      ).status,
    ).toBe(2)
    expect((await run(['get-web-identity-token', '--audience', 'a'])).stderr).toContain(
      '--signing-algorithm is required',
    )
    expect(
      (await run(['get-web-identity-token', '--audience', 'a', '--signing-algorithm', 'HS256']))
        .stderr,
    ).toContain('SigningAlgorithm: must be one of RS256, ES384')
  })
})

describe('main(): help and errors', () => {
  it('--help for the program and for each command, on stdout with status 0', async () => {
    for (const argv of [
      ['--help'],
      ['assume-role', '--help'],
      ['get-session-token', '-h'],
      ['get-caller-identity', '--help'],
      ['get-scoped-credentials', '--help'],
      ['get-web-identity-token', '-h'],
    ]) {
      const r = await run(argv)
      expect(r.status).toBe(0)
      expect(r.stdout).toContain('Usage: edge-sts')
    }
    expect((await run(['assume-role', '--help'])).stdout).toContain('--role-arn')
    expect(server.sts.state.requests).toHaveLength(0)
  })

  it.each([
    [[], /Usage: edge-sts <command>/],
    [['nope'], /unknown command "nope"/],
    [['assume-role'], /--role-arn is required/],
    [['assume-role', '--role-arn', ROLE, '--bogus', '1'], /unknown option --bogus/],
    [['assume-role', '--role-arn'], /--role-arn needs a value/],
    [['assume-role', '--role-arn', ROLE, '--role-arn', ROLE], /given twice/],
    [
      ['assume-role', '--role-arn', ROLE, '--duration-seconds', '1h'],
      /--duration-seconds must be a whole number/,
    ],
    [
      ['assume-role', '--role-arn', ROLE, '--tags', 'novalue'],
      /--tags: "novalue" is not Key=Value/,
    ],
    [['assume-role', '--role-arn', ROLE, '--serial-number', 'x'], /go together/],
    [
      ['assume-role', '--role-arn', ROLE, '--format', 'yaml'],
      /--format must be json, env or credential-process/,
    ],
    [
      ['assume-role', '--role-arn', 'not-an-arn', '--duration-seconds', '10'],
      /RoleArn: .*\n.*DurationSeconds: /,
    ],
    [['assume-role', '--role-arn', ROLE, '--region', 'US East'], /region: /],
  ])('usage error %j → status 2, message on stderr, nothing sent', async (argv, message) => {
    const r = await run(argv)
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
    expect(server.sts.state.requests).toHaveLength(0)
  })

  it('missing AWS_* credentials → status 2 naming the variables', async () => {
    const r = await run(['get-caller-identity'], {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIA',
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('AWS_SECRET_ACCESS_KEY')
  })

  it('an STS error → status 1 with code, HTTP status and RequestId; no secret on either stream', async () => {
    const r = await run([
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/locked`,
      '--role-session-name',
      'denied',
    ])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^edge-sts: AccessDenied \(HTTP 403, RequestId [0-9a-f-]{36}\): /)
    for (const s of secrets()) expect(r.stderr).not.toContain(s)
  })

  it('a wrong secret → SignatureDoesNotMatch, status 1, the secret not echoed', async () => {
    const r = await run(['get-caller-identity'], {
      ...env,
      AWS_SECRET_ACCESS_KEY: 'wrong/Secret+Key/000000000000000000000000000',
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('SignatureDoesNotMatch')
    expect(r.stderr).not.toContain('wrong/Secret')
  })

  it('network failure → NetworkError, status 1, after the attempt budget', async () => {
    const r = await run([
      'get-caller-identity',
      '--endpoint',
      'http://127.0.0.1:1/',
      '--max-attempts',
      '1',
    ])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^edge-sts: NetworkError/)
  })
})

describe('dist/cli.js as a process', () => {
  const exec = promisify(execFile)
  const runtimes: [string, string, string[]][] = [
    ['node', process.execPath, []],
    [
      'deno',
      `${root}node_modules/.bin/deno`,
      [
        'run',
        '--no-prompt',
        '--allow-net=127.0.0.1',
        '--allow-env=AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY,AWS_SESSION_TOKEN,AWS_REGION,AWS_DEFAULT_REGION,AWS_ENDPOINT_URL_STS,AWS_ENDPOINT_URL',
      ],
    ],
    ['bun', `${root}node_modules/.bin/bun`, []],
  ]
  const spawn = (file: string, args: string[], argv: string[]) =>
    exec(file, [...args, cli, ...argv], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
        ...env,
      },
      timeout: 60_000,
    }).then(
      (r) => ({ status: 0, ...r }),
      (e) => ({ status: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
    )

  beforeAll(() => {
    if (!existsSync(cli))
      throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)')
  })

  it.each(runtimes)(
    '%s: assume-role --format credential-process, then an STS error with status 1',
    async (_, file, args) => {
      const ok = await spawn(file, args, [
        'assume-role',
        '--role-arn',
        ROLE,
        '--role-session-name',
        'proc',
        '--format',
        'credential-process',
      ])
      expect(ok.stderr).toBe('')
      expect(ok.status).toBe(0)
      const out = JSON.parse(ok.stdout)
      expect(out).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) })
      expect(server.sts.sessions.get(out.AccessKeyId)?.sessionToken === out.SessionToken).toBe(true)

      const denied = await spawn(file, args, [
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/locked`,
      ])
      expect(denied.status).toBe(1)
      expect(denied.stdout).toBe('')
      expect(denied.stderr).toContain('AccessDenied')
      const usage = await spawn(file, args, ['assume-role'])
      expect(usage.status).toBe(2)
    },
  )

  it('the AWS SDK credential_process provider accepts the output (profile configured with the command)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-sts-cli-'))
    try {
      const command = `${process.execPath} ${cli} assume-role --role-arn ${ROLE} --role-session-name sdk --duration-seconds 1200 --format credential-process`
      writeFileSync(join(dir, 'config'), `[profile edge]\ncredential_process = ${command}\n`)
      writeFileSync(join(dir, 'credentials'), '')
      const saved = { ...process.env }
      Object.assign(process.env, env)
      try {
        const creds = await fromProcess({
          profile: 'edge',
          configFilepath: join(dir, 'config'),
          filepath: join(dir, 'credentials'),
        })()
        const session = server.sts.sessions.get(creds.accessKeyId)!
        expect(session).toBeDefined()
        expect(creds.secretAccessKey).toBe(session.secretAccessKey)
        expect(creds.sessionToken).toBe(session.sessionToken)
        expect(creds.expiration!.getTime()).toBe(session.expiration)
      } finally {
        for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k]
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
