// The `edge-sts` command in-process (main()) against the local STS: the AWS CLI v2 syntax reaching
// the wire, every command, the outputs, the exit statuses and messages, --debug, and the disk cache.
// The built dist/cli.js under Node, Deno and Bun, and the comparisons with the real AWS CLI, are in
// cli-process.test.ts and cli-awscli.test.ts.
import { execFile } from 'node:child_process'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { main, type CliIo } from '../src/cli.ts'
import {
  ACCOUNT,
  AUTHORIZATION_MESSAGES,
  SAML_ASSERTIONS,
  TRADE_IN_TOKENS,
  USERS,
  WEB_TOKENS,
} from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const alice = USERS[0]!
const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo`
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
let server: Awaited<ReturnType<typeof startLocalSts>>
let home: string
let env: Record<string, string>

beforeAll(async () => {
  server = await startLocalSts()
})
afterAll(() => server?.close())
beforeEach(() => {
  server.sts.reset()
  // A private HOME: no profile of the machine is read, and the cache lands here.
  home = mkdtempSync(join(tmpdir(), 'edge-sts-cli-'))
  env = {
    HOME: home,
    AWS_ACCESS_KEY_ID: alice.accessKeyId,
    AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: server.url,
    AWS_EC2_METADATA_DISABLED: 'true',
  }
})
afterEach(() => rmSync(home, { recursive: true, force: true }))

const run = async (
  argv: string[],
  environment: Record<string, string | undefined> = env,
  extra: Partial<CliIo> = {},
) => {
  let stdout = ''
  let stderr = ''
  const status = await main(argv, environment, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...extra,
  })
  return { status, stdout, stderr }
}
const requests = () => server.sts.state.requests
const params = (index = 0) => requests()[index]!.params
const secrets = () => [
  alice.secretAccessKey,
  ...requests().map((r) => r.headers.authorization?.slice(-64) ?? ''),
  ...[...server.sts.sessions.values()].flatMap((s) => [s.secretAccessKey, s.sessionToken]),
]
const assumeRole = ['assume-role', '--role-arn', ROLE, '--role-session-name', 'cli']

describe('the AWS CLI v2 syntax reaches the wire', () => {
  it('shorthand structure lists, space-separated lists and --policy-arns arn=…', async () => {
    const r = await run([
      ...assumeRole,
      '--tags',
      'Key=team,Value=blue',
      'Key=env,Value=prod',
      '--transitive-tag-keys',
      'team',
      'env',
      '--policy-arns',
      `arn=${READ_ONLY}`,
      'arn=arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
    ])
    expect(r).toMatchObject({ status: 0, stderr: '' })
    expect(params()).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'cli',
      'PolicyArns.member.1.arn': READ_ONLY,
      'PolicyArns.member.2.arn': 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'blue',
      'Tags.member.2.Key': 'env',
      'Tags.member.2.Value': 'prod',
      'TransitiveTagKeys.member.1': 'team',
      'TransitiveTagKeys.member.2': 'env',
    })
  })

  it('JSON lists (and JSON items) send the same parameters as shorthand', async () => {
    await run([
      ...assumeRole,
      '--tags',
      'Key=team,Value=blue',
      'Key=env,Value=prod',
      '--transitive-tag-keys',
      'team',
      '--policy-arns',
      `arn=${READ_ONLY}`,
    ])
    await run([
      ...assumeRole,
      '--tags',
      '[{"Key":"team","Value":"blue"},{"Key":"env","Value":"prod"}]',
      '--transitive-tag-keys',
      '["team"]',
      '--policy-arns',
      `[{"arn":"${READ_ONLY}"}]`,
    ])
    await run([
      ...assumeRole,
      '--tags',
      '{"Key":"team","Value":"blue"}',
      '{"Key":"env","Value":"prod"}',
      '--transitive-tag-keys=team',
      `--policy-arns={"arn":"${READ_ONLY}"}`,
    ])
    expect(requests()).toHaveLength(3)
    expect(params(1)).toEqual(params(0))
    expect(params(2)).toEqual(params(0))
  })

  it('shorthand quoting and escapes: spaces and = in a tag value, an escaped comma in an ARN', async () => {
    await run([
      ...assumeRole,
      '--tags',
      "Key=a,Value='x y'",
      'Key=b,Value=p=q',
      '--policy-arns',
      'arn=arn:aws:iam::aws:policy/a\\,b',
    ])
    expect(params()).toMatchObject({
      'Tags.member.1.Value': 'x y',
      'Tags.member.2.Key': 'b',
      'Tags.member.2.Value': 'p=q',
      'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/a,b',
    })
  })

  it('--provided-contexts takes shorthand and JSON', async () => {
    const provider = 'arn:aws:iam::aws:contextProvider/IdentityCenter'
    await run([
      ...assumeRole,
      '--provided-contexts',
      `ProviderArn=${provider},ContextAssertion=abcd+/=`,
    ])
    await run([
      ...assumeRole,
      '--provided-contexts',
      JSON.stringify([{ ProviderArn: provider, ContextAssertion: 'abcd+/=' }]),
    ])
    expect(params(0)).toMatchObject({
      'ProvidedContexts.member.1.ProviderArn': provider,
      'ProvidedContexts.member.1.ContextAssertion': 'abcd+/=',
    })
    expect(params(1)).toEqual(params(0))
  })

  it('file:// reads text (CRLF as LF, ~ is HOME), fileb:// the bytes as they are', async () => {
    const policy = '{\r\n  "Version": "2012-10-17",\r\n  "Statement": []\r\n}\r\n'
    writeFileSync(join(home, 'policy.json'), policy)
    writeFileSync(join(home, 'tags.json'), '[{"Key": "team", "Value": "blue"}]\n')
    await run([
      ...assumeRole,
      '--policy',
      'file://~/policy.json',
      '--tags',
      `file://${home}/tags.json`,
    ])
    await run([...assumeRole, '--policy', `fileb://${home}/policy.json`])
    expect(params(0).Policy).toBe(policy.replace(/\r\n/g, '\n'))
    expect(params(0)['Tags.member.1.Key']).toBe('team')
    expect(params(1).Policy).toBe(policy)
  })

  it('file:// works for secrets too, keeping them out of the command line', async () => {
    const token = Object.keys(WEB_TOKENS)[0]!
    writeFileSync(join(home, 'token'), token)
    const r = await run([
      'assume-role-with-web-identity',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/web`,
      '--role-session-name',
      'gh',
      '--web-identity-token',
      `file://${home}/token`,
      '--output',
      'credential-process',
      '--no-cache',
    ])
    expect(r).toMatchObject({ status: 0, stderr: '' })
    expect(params().WebIdentityToken).toBe(token)
    // Unsigned: no source credentials were needed or sent.
    expect(requests()[0]!.headers.authorization).toBeUndefined()
  })

  it.each([
    [['--tags', 'Project=edge,Team=a=b'], /--tags: unknown parameter "Project" in Tags\[0\]/],
    [['--tags', 'Key=a,Value=b,c'], /--tags: Tags\[0\]\.Value must be a string, not a list/],
    [['--tags', 'Key=a'], /--tags: missing required parameter "Value" in Tags\[0\]/],
    [['--tags', 'team'], /--tags: cannot read the first value as shorthand: expected '='/],
    [['--tags', 'Key=a,Key=b'], /--tags: .*the key "Key" is given twice/],
    [
      ['--tags', '[{"Key":"a","Value":1}]'],
      /--tags: Tags\[0\]\.Value must be a string, not a number/,
    ],
    [['--tags', '[{"Key":"a"'], /--tags: invalid JSON/],
    [['--transitive-tag-keys', 'a,b'], /--transitive-tag-keys: the first value holds a comma/],
    [['--duration-seconds', '1h'], /--duration-seconds: DurationSeconds must be an integer/],
    [['--policy', 'file:///nonexistent/policy.json'], /--policy: cannot read file:\/\/.*ENOENT/],
    [['--tags', 'file:///nonexistent/tags'], /--tags: cannot read/],
    [['--output', 'yaml'], /--output: must be one of json, text, env, credential-process/],
    [['--query', 'Credentials[*]'], /--query: expected an index; projections, slices and filters/],
    [['--query', 'length(Credentials)'], /--query: unexpected '\('/],
    [['--query', 'Credentials', '--output', 'env'], /--query: applies to --output json and text/],
    [['--bogus', '1'], /--bogus: unknown option of assume-role/],
    [['--role-arn', ROLE], /--role-arn: is given twice/],
    [['--duration-seconds'], /--duration-seconds: needs a value/],
    [['extra'], /unexpected argument "extra"/],
    [['--cache', '--no-cache'], /contradict/],
    [['--region', 'US East'], /region: must be a region name/],
  ])('%j → 252 naming the option, nothing sent', async (extra, message) => {
    const r = await run([...assumeRole, ...extra])
    expect(r.stderr).toMatch(message)
    expect(r).toMatchObject({ status: 252, stdout: '' })
    expect(requests()).toHaveLength(0)
  })

  it('a file that is not UTF-8 → 252', async () => {
    writeFileSync(join(home, 'bad'), new Uint8Array([0x7b, 0xff, 0x7d]))
    const r = await run([...assumeRole, '--policy', `fileb://${home}/bad`])
    expect(r.status).toBe(252)
    expect(r.stderr).toContain('--policy: fileb://')
    expect(r.stderr).toContain('is not UTF-8 text')
  })

  it('a list option given as a file must hold a JSON list', async () => {
    writeFileSync(join(home, 'keys'), 'team env')
    const r = await run([...assumeRole, '--transitive-tag-keys', `file://${home}/keys`])
    expect(r.status).toBe(252)
    expect(r.stderr).toContain('--transitive-tag-keys: the file must hold a JSON list')
  })

  it('required options are named together, as the AWS CLI does', async () => {
    const r = await run(['assume-role-with-saml', '--role-arn', ROLE])
    expect(r.status).toBe(252)
    expect(r.stderr).toContain(
      'the following arguments are required: --principal-arn, --saml-assertion',
    )
  })

  it('library rules → 252 "Parameter validation failed", every broken rule listed', async () => {
    const r = await run(['assume-role', '--role-arn', 'x', '--role-session-name', 'y'])
    expect(r.status).toBe(252)
    expect(r.stderr).toMatch(/^\nParameter validation failed:\nRoleArn: .*\nRoleSessionName: /)
    expect(requests()).toHaveLength(0)
  })
})

describe('every STS operation is a command', () => {
  it('assume-role: default session name edge-sts-<ms>; options before the command; `sts` prefix', async () => {
    const before = Date.now()
    expect(
      (await run(['--region', 'us-east-1', 'sts', 'assume-role', '--role-arn', ROLE])).status,
    ).toBe(0)
    const name = params().RoleSessionName!
    expect(name).toMatch(/^edge-sts-\d+$/)
    expect(Number(name.slice(9))).toBeGreaterThanOrEqual(before)
  })

  it('assume-role with MFA, external id and source identity', async () => {
    const r = await run([
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/mfa`,
      '--role-session-name',
      'mfa',
      '--serial-number',
      alice.mfaSerial!,
      '--token-code',
      alice.mfaCode!,
      '--external-id',
      'ext-1',
      '--source-identity',
      'alice',
      '--duration-seconds',
      '900',
    ])
    expect(r).toMatchObject({ status: 0, stderr: '' })
    expect(JSON.parse(r.stdout).SourceIdentity).toBe('alice')
    expect(params()).toMatchObject({
      SerialNumber: alice.mfaSerial,
      TokenCode: alice.mfaCode,
      ExternalId: 'ext-1',
      SourceIdentity: 'alice',
      DurationSeconds: '900',
    })
  })

  it('get-session-token, get-caller-identity, get-scoped-credentials, get-delegated-access-token, get-web-identity-token', async () => {
    const session = JSON.parse(
      (await run(['get-session-token', '--duration-seconds', '1800'])).stdout,
    ).Credentials
    expect(params(0)).toEqual({
      Action: 'GetSessionToken',
      Version: '2011-06-15',
      DurationSeconds: '1800',
    })
    expect(JSON.parse((await run(['get-caller-identity'])).stdout)).toEqual({
      UserId: `AIDA${alice.accessKeyId.slice(4)}`,
      Account: ACCOUNT,
      Arn: alice.arn,
    })
    const role = JSON.parse((await run(assumeRole)).stdout).Credentials
    const scoped = await run(
      ['get-scoped-credentials', '--duration-seconds', '600', '--description', 'batch'],
      {
        ...env,
        AWS_ACCESS_KEY_ID: role.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: role.SecretAccessKey,
        AWS_SESSION_TOKEN: role.SessionToken,
      },
    )
    expect(scoped).toMatchObject({ status: 0, stderr: '' })
    expect(requests().at(-1)!.params).toMatchObject({
      Action: 'GetScopedCredentials',
      ScopedSessionDescription: 'batch',
    })
    const token = Object.keys(TRADE_IN_TOKENS)[0]!
    writeFileSync(join(home, 'trade-in'), token)
    const delegated = await run([
      'get-delegated-access-token',
      '--trade-in-token',
      `file://${home}/trade-in`,
    ])
    expect(JSON.parse(delegated.stdout).AssumedPrincipal).toBe(TRADE_IN_TOKENS[token])
    const jwt = await run([
      'get-web-identity-token',
      '--audience',
      'https://a.example',
      'https://b.example',
      '--signing-algorithm',
      'ES384',
      '--tags',
      'Key=team,Value=x',
    ])
    expect(jwt).toMatchObject({ status: 0, stderr: '' })
    expect(JSON.parse(jwt.stdout).Expiration).toMatch(/\+00:00$/)
    expect(requests().at(-1)!.params).toMatchObject({
      'Audience.member.1': 'https://a.example',
      'Audience.member.2': 'https://b.example',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'x',
    })
    expect(session.AccessKeyId).toMatch(/^ASIA/)
  })

  it('get-federation-token, assume-role-with-saml, assume-root, decode-authorization-message, get-access-key-info', async () => {
    const assertion = Object.keys(SAML_ASSERTIONS)[0]!
    const message = Object.keys(AUTHORIZATION_MESSAGES)[0]!
    const provider = `arn:aws:iam::${ACCOUNT}:saml-provider/example-idp`
    const rootTask = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials'
    writeFileSync(join(home, 'saml'), assertion)
    const lines = [
      [
        'get-federation-token',
        '--name',
        'bob',
        '--policy-arns',
        `arn=${READ_ONLY}`,
        '--tags',
        'Key=team,Value=blue',
        '--duration-seconds',
        '3600',
      ],
      [
        'assume-role-with-saml',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/saml`,
        '--principal-arn',
        provider,
        '--saml-assertion',
        `file://${home}/saml`,
      ],
      [
        'assume-root',
        '--target-principal',
        '111122223333',
        '--task-policy-arn',
        `arn=${rootTask}`,
        '--duration-seconds',
        '900',
      ],
      ['decode-authorization-message', '--encoded-message', message],
      ['get-access-key-info', '--access-key-id', alice.accessKeyId],
    ]
    const outputs = []
    for (const line of lines) {
      const r = await run(line)
      expect(r, line[0]).toMatchObject({ status: 0, stderr: '' })
      outputs.push(JSON.parse(r.stdout))
    }
    expect(requests().map((r) => r.params)).toEqual([
      {
        Action: 'GetFederationToken',
        Version: '2011-06-15',
        Name: 'bob',
        'PolicyArns.member.1.arn': READ_ONLY,
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'blue',
        DurationSeconds: '3600',
      },
      {
        Action: 'AssumeRoleWithSAML',
        Version: '2011-06-15',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/saml`,
        PrincipalArn: provider,
        SAMLAssertion: assertion,
      },
      {
        Action: 'AssumeRoot',
        Version: '2011-06-15',
        TargetPrincipal: '111122223333',
        'TaskPolicyArn.arn': rootTask,
        DurationSeconds: '900',
      },
      { Action: 'DecodeAuthorizationMessage', Version: '2011-06-15', EncodedMessage: message },
      { Action: 'GetAccessKeyInfo', Version: '2011-06-15', AccessKeyId: alice.accessKeyId },
    ])
    expect(Object.keys(outputs[0])).toEqual(['Credentials', 'FederatedUser', 'PackedPolicySize'])
    expect(outputs[1].Subject).toBe(SAML_ASSERTIONS[assertion]!.subject)
    expect(outputs[2].Credentials.AccessKeyId).toMatch(/^ASIA/)
    expect(outputs[3]).toEqual({ DecodedMessage: AUTHORIZATION_MESSAGES[message] })
    expect(outputs[4]).toEqual({ Account: ACCOUNT })
    // The unsigned operation carried no signature.
    expect(requests()[1]!.headers.authorization).toBeUndefined()
  })

  it('--help for the program and every command lists its options; nothing is sent', async () => {
    const program = await run(['--help'])
    expect(program.status).toBe(0)
    for (const name of [
      'assume-role',
      'assume-role-with-saml',
      'assume-role-with-web-identity',
      'assume-root',
      'decode-authorization-message',
      'get-access-key-info',
      'get-caller-identity',
      'get-delegated-access-token',
      'get-federation-token',
      'get-scoped-credentials',
      'get-session-token',
      'get-web-identity-token',
    ]) {
      expect(program.stdout).toContain(`  ${name} `)
      const help = await run([name, '--help'])
      expect(help.status).toBe(0)
      expect(help.stdout).toContain(`Usage: edge-sts ${name}`)
    }
    expect((await run(['assume-role', '-h'])).stdout).toContain('--policy-arns arn=string')
    const none = await run([])
    expect(none.status).toBe(252)
    expect(none.stderr).toContain('Usage: edge-sts <command>')
    expect(requests()).toHaveLength(0)
  })

  it('--cli-input-json: members checked like options, options override, unknown members refused', async () => {
    const input = JSON.stringify({
      RoleArn: ROLE,
      RoleSessionName: 'json',
      Tags: [{ Key: 'a', Value: 'b' }],
    })
    expect(
      (await run(['assume-role', '--cli-input-json', input, '--role-session-name', 'flag'])).status,
    ).toBe(0)
    expect(params()).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'flag',
      'Tags.member.1.Key': 'a',
    })
    for (const [json, message] of [
      ['{"RoleArn": 1}', /--cli-input-json: RoleArn must be a string, not a number/],
      ['{"Bogus": ""}', /--cli-input-json: unknown parameter "Bogus", must be one of: RoleArn, /],
      ['[]', /--cli-input-json: must be a JSON object/],
      ['{', /--cli-input-json: invalid JSON/],
    ] as const) {
      const r = await run(['assume-role', '--cli-input-json', json])
      expect(r.status).toBe(252)
      expect(r.stderr).toMatch(message)
    }
    expect(requests()).toHaveLength(1)
  })

  it('--generate-cli-skeleton: the parameters with empty values, for commands the AWS CLI 2.9 lacks too', async () => {
    const r = await run(['get-web-identity-token', '--generate-cli-skeleton'])
    expect(JSON.parse(r.stdout)).toEqual({
      Audience: [''],
      SigningAlgorithm: '',
      DurationSeconds: 0,
      SubjectMode: '',
      Scope: '',
      Tags: [{ Key: '', Value: '' }],
    })
    expect((await run(['assume-root', '--generate-cli-skeleton', 'output'])).status).toBe(252)
    expect(requests()).toHaveLength(0)
  })

  it('`help` as a word asks for help, as with the AWS CLI', async () => {
    expect((await run(['help'])).stdout).toContain('Usage: edge-sts <command>')
    expect((await run(['assume-role', 'help'])).stdout).toContain('Usage: edge-sts assume-role')
  })

  it('--version prints the version and the runtime', async () => {
    const r = await run(['--version'], env, { version: '9.8.7' })
    expect(r).toEqual({
      status: 0,
      stdout: `edge-sts/9.8.7 Node/${process.versions.node}\n`,
      stderr: '',
    })
  })
})

describe('output like the AWS CLI', () => {
  it('json: 4-space indents, +00:00 times, the model order, no RequestId', async () => {
    const r = await run([...assumeRole, '--source-identity', 'alice', '--tags', 'Key=a,Value=b'])
    const out = JSON.parse(r.stdout)
    expect(r.stdout).toBe(JSON.stringify(out, null, 4) + '\n')
    expect(Object.keys(out)).toEqual([
      'Credentials',
      'AssumedRoleUser',
      'PackedPolicySize',
      'SourceIdentity',
    ])
    expect(Object.keys(out.Credentials)).toEqual([
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ])
    const session = server.sts.sessions.get(out.Credentials.AccessKeyId)!
    // Python's isoformat(): microseconds when there is a fraction, +00:00 for UTC.
    const expected = new Date(session.expiration)
      .toISOString()
      .replace(/\.(\d{3})Z$/, '.$1000+00:00')
    expect(out.Credentials.Expiration).toBe(expected.replace('.000000+', '+'))
  })

  it('--output env prints export lines a POSIX shell evaluates back to the credentials', async () => {
    const r = await run([...assumeRole, '--output', 'env'])
    expect(r.status).toBe(0)
    const { stdout } = await promisify(execFile)('sh', [
      '-c',
      `${r.stdout}\nprintf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION"`,
    ])
    const [id, secret, token, expiration] = stdout.trim().split('\n')
    const session = server.sts.sessions.get(id!)!
    expect(secret).toBe(session.secretAccessKey)
    expect(token).toBe(session.sessionToken)
    expect(Date.parse(expiration!)).toBe(session.expiration)
  })

  it('--output credential-process (alias --format): Version 1, exactly the contract keys, 2-space indents', async () => {
    const r = await run([...assumeRole, '--format', 'credential-process', '--no-cache'])
    const out = JSON.parse(r.stdout)
    expect(Object.keys(out)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ])
    expect(r.stdout).toBe(JSON.stringify(out, null, 2) + '\n')
    expect(out.Version).toBe(1)
    expect(Date.parse(out.Expiration)).toBe(server.sts.sessions.get(out.AccessKeyId)!.expiration)
  })

  it('json-only commands refuse env and credential-process', async () => {
    for (const argv of [
      ['get-caller-identity', '--output', 'env'],
      [
        'get-access-key-info',
        '--access-key-id',
        'AKIAIOSFODNN7EXAMPLE',
        '--output',
        'credential-process',
      ],
    ]) {
      const r = await run(argv)
      expect(r.status).toBe(252)
      expect(r.stderr).toContain('returns no credentials')
    }
  })
})

describe('exit statuses and messages like the AWS CLI', () => {
  it('254: the STS error in the AWS CLI shape, plus the RequestId; no secret on either stream', async () => {
    const r = await run([
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/locked`,
      '--role-session-name',
      'denied',
    ])
    expect(r.status).toBe(254)
    expect(r.stdout).toBe('')
    const requestId = requests()[0]!.headers && r.stderr.match(/RequestId: ([0-9a-f-]{36})\n$/)?.[1]
    expect(r.stderr).toBe(
      `\nAn error occurred (AccessDenied) when calling the AssumeRole operation: User: ${alice.arn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/locked\nRequestId: ${requestId}\n`,
    )
    expect(requestId).toBeDefined()
    for (const s of secrets()) expect(r.stderr).not.toContain(s)
  })

  it('254: a wrong secret → SignatureDoesNotMatch, the secret not echoed', async () => {
    const wrong = 'wrong/Secret+Key/000000000000000000000000000'
    const r = await run(['get-caller-identity'], { ...env, AWS_SECRET_ACCESS_KEY: wrong })
    expect(r.status).toBe(254)
    expect(r.stderr).toContain(
      '(SignatureDoesNotMatch) when calling the GetCallerIdentity operation',
    )
    expect(r.stderr).not.toContain(wrong)
  })

  it('253: no source credentials (the chain says why), no region', async () => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...noKeys } = env
    const keys = await run(['get-caller-identity'], noKeys)
    expect(keys.status).toBe(253)
    expect(keys.stderr).toMatch(/^\nedge-sts: CredentialsNotFound: /)
    const { AWS_REGION, ...noRegion } = env
    const region = await run(['get-caller-identity'], noRegion)
    expect(region.status).toBe(253)
    expect(region.stderr).toContain('no region: give --region')
    expect(requests()).toHaveLength(0)
  })

  it('253: a malformed region or endpoint from the environment names the variable to fix', async () => {
    const region = await run(['get-caller-identity'], { ...env, AWS_REGION: 'US East' })
    expect(region.status).toBe(253)
    expect(region.stderr).toContain('the region of AWS_REGION, AWS_DEFAULT_REGION or the profile')
    const endpoint = await run(['get-caller-identity'], {
      ...env,
      AWS_ENDPOINT_URL_STS: 'sts.local',
    })
    expect(endpoint.status).toBe(253)
    expect(endpoint.stderr).toContain('AWS_ENDPOINT_URL_STS must be an absolute http(s) URL')
    // The same mistakes on the command line are usage errors.
    expect((await run(['get-caller-identity', '--endpoint-url', 'sts.local'])).status).toBe(252)
    expect(requests()).toHaveLength(0)
  })

  it('253: a credential_process loop through edge-sts itself is stopped', async () => {
    const r = await run(['get-caller-identity'], { ...env, EDGE_STS_NESTING: '4' })
    expect(r.status).toBe(253)
    expect(r.stderr).toContain('runs itself 4 levels deep')
  })

  it('255: connection refused names the endpoint and the reason, never "HTTP undefined"', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as { port: number }).port
        probe.close(() => resolve(port))
      })
    })
    const r = await run([
      'get-caller-identity',
      '--endpoint-url',
      `http://127.0.0.1:${closed}/`,
      '--max-attempts',
      '1',
    ])
    expect(r.status).toBe(255)
    expect(r.stderr).toContain(
      `edge-sts: NetworkError when calling the GetCallerIdentity operation (endpoint http://127.0.0.1:${closed}/): could not reach 127.0.0.1:${closed}: connect ECONNREFUSED`,
    )
    expect(r.stderr).not.toMatch(/undefined/)
  })

  it('255: a timeout, and a proxy error page, are not service errors', async () => {
    server.sts.faults = { delayMs: 2000 }
    const slow = await run(['get-caller-identity', '--timeout-ms', '100', '--max-attempts', '1'])
    expect(slow.status).toBe(255)
    expect(slow.stderr).toMatch(/TimeoutError when calling the GetCallerIdentity operation/)
    server.sts.reset()
    server.sts.faults = { html5xx: { count: 1, status: 502 } }
    const proxy = await run(['get-caller-identity', '--max-attempts', '1'])
    expect(proxy.status).toBe(255)
    expect(proxy.stderr).toContain('(HTTP 502)')
    for (const r of [slow, proxy]) expect(r.stderr).not.toMatch(/undefined/)
  })
})

describe('--debug', () => {
  it('shows each attempt with its status and RequestId, retries included, and no secret', async () => {
    server.sts.faults = { throttle: 2 }
    const r = await run([...assumeRole, '--debug'], env)
    expect(r.status).toBe(0)
    const ids = requests().map((q) => q.headers) && r.stderr.match(/RequestId [0-9a-f-]{36}/g)
    expect(r.stderr).toMatch(/attempt 1: POST http:\/\/127\.0\.0\.1:\d+\/\n/)
    expect(r.stderr).toMatch(/attempt 1: HTTP 400 after \d+ ms, RequestId [0-9a-f-]{36}/)
    expect(r.stderr).toMatch(/attempt 3: HTTP 200 after \d+ ms, RequestId [0-9a-f-]{36}/)
    expect(ids!.length).toBeGreaterThanOrEqual(3)
    for (const s of secrets()) expect(r.stderr).not.toContain(s)
    expect(r.stderr).not.toContain(alice.accessKeyId)
  })
})

describe('the disk cache', () => {
  const cacheDir = () => join(home, 'cache')
  const process = (extra: string[] = []) =>
    run([...assumeRole, '--output', 'credential-process', ...extra], {
      ...env,
      EDGE_STS_CACHE_DIR: cacheDir(),
    })

  it('credential-process output is cached: one AssumeRole for two runs, 0600 files in a 0700 directory', async () => {
    const first = await process()
    const second = await process()
    expect(first.status).toBe(0)
    expect(second).toEqual(first)
    expect(requests()).toHaveLength(1)
    const files = readdirSync(cacheDir())
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/)
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700)
    expect(statSync(join(cacheDir(), files[0]!)).mode & 0o777).toBe(0o600)
  })

  it('another parameter, another key; --no-cache calls every time', async () => {
    await process()
    await process(['--duration-seconds', '1800'])
    await process(['--no-cache'])
    await process(['--no-cache'])
    expect(requests()).toHaveLength(4)
    expect(readdirSync(cacheDir())).toHaveLength(2)
  })

  it('other source credentials or another region do not share an entry', async () => {
    await process()
    await run([...assumeRole, '--output', 'credential-process'], {
      ...env,
      EDGE_STS_CACHE_DIR: cacheDir(),
      AWS_ACCESS_KEY_ID: USERS[1]!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: USERS[1]!.secretAccessKey,
    })
    await run([...assumeRole, '--output', 'credential-process', '--region', 'eu-west-1'], {
      ...env,
      EDGE_STS_CACHE_DIR: cacheDir(),
    })
    expect(requests()).toHaveLength(3)
  })

  it('reused only while more than 15 minutes remain', async () => {
    await process()
    const at = (minutes: number) =>
      run(
        [...assumeRole, '--output', 'credential-process'],
        { ...env, EDGE_STS_CACHE_DIR: cacheDir() },
        {
          now: () => Date.now() + minutes * 60_000,
        },
      )
    // The role's session lasts 60 minutes: at +44 min 16 remain, at +46 min 14 remain.
    expect((await at(44)).status).toBe(0)
    expect(requests()).toHaveLength(1)
    expect((await at(46)).status).toBe(0)
    expect(requests()).toHaveLength(2)
  })

  it('a corrupt, foreign or unreadable entry is a miss, and is replaced', async () => {
    await process()
    const file = join(cacheDir(), readdirSync(cacheDir())[0]!)
    const good = readFileSync(file, 'utf8')
    writeFileSync(file, '{not json', { mode: 0o600 })
    expect((await process()).status).toBe(0)
    expect(requests()).toHaveLength(2)
    // Another key's entry under this name (copied, or planted).
    const planted = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...planted, key: '0'.repeat(64) }), { mode: 0o600 })
    expect((await process()).status).toBe(0)
    expect(requests()).toHaveLength(3)
    // Readable by others: not trusted.
    chmodSync(file, 0o644)
    expect((await process()).status).toBe(0)
    expect(requests()).toHaveLength(4)
    // Unreadable (a directory where the file should be): a miss, and the call still succeeds.
    rmSync(file)
    mkdirSync(file)
    const r = await process()
    expect(r.status).toBe(0)
    expect(requests()).toHaveLength(5)
    expect(good).toContain('"format":"edge-sts-cache/1"')
  })

  it('--cache caches json output too; commands without an expiration refuse it', async () => {
    const cached = () => run([...assumeRole, '--cache'], { ...env, EDGE_STS_CACHE_DIR: cacheDir() })
    const first = await cached()
    expect(await cached()).toEqual(first)
    expect(requests()).toHaveLength(1)
    const r = await run(['get-caller-identity', '--cache'])
    expect(r.status).toBe(252)
    expect(r.stderr).toContain('--cache: get-caller-identity results do not expire')
  })

  it('--debug tells hit and miss; no temporary file is left behind', async () => {
    const first = await process(['--debug'])
    expect(first.stderr).toContain('cache: miss (no entry)')
    expect(first.stderr).toMatch(/cache: wrote .*\.json/)
    const second = await process(['--debug'])
    expect(second.stderr).toMatch(/cache: hit .*\.json \(expires /)
    expect(readdirSync(cacheDir()).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('source credentials and region from profiles (the edge-sts/node chain)', () => {
  const profiles = () => {
    mkdirSync(join(home, '.aws'))
    writeFileSync(
      join(home, '.aws', 'credentials'),
      `[base]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n` +
        `[other]\naws_access_key_id = ${USERS[1]!.accessKeyId}\naws_secret_access_key = ${USERS[1]!.secretAccessKey}\n`,
    )
    // A profile that holds only its region in the config file.
    writeFileSync(join(home, '.aws', 'config'), '[profile base]\nregion = us-east-1\n')
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, ...rest } = env
    return rest
  }

  it('--profile: keys from the credentials file, region from the config file', async () => {
    const r = await run(['get-caller-identity', '--profile', 'base'], profiles())
    expect(r).toMatchObject({ status: 0, stderr: '' })
    expect(JSON.parse(r.stdout).Arn).toBe(alice.arn)
    expect(requests()[0]!.headers.authorization).toContain('/us-east-1/sts/aws4_request')
  })

  it('AWS_PROFILE selects the profile; --profile wins over it', async () => {
    const environment = { ...profiles(), AWS_REGION: 'us-east-1' }
    const byEnv = await run(['get-caller-identity'], { ...environment, AWS_PROFILE: 'other' })
    expect(JSON.parse(byEnv.stdout).Arn).toBe(USERS[1]!.arn)
    const byFlag = await run(['get-caller-identity', '--profile', 'base'], {
      ...environment,
      AWS_PROFILE: 'other',
    })
    expect(JSON.parse(byFlag.stdout).Arn).toBe(alice.arn)
  })

  it('an unknown profile → 253 naming it; the profile without a region and none elsewhere → 253', async () => {
    const environment = profiles()
    const unknown = await run(['get-caller-identity', '--profile', 'nope'], {
      ...environment,
      AWS_REGION: 'us-east-1',
    })
    expect(unknown.status).toBe(253)
    expect(unknown.stderr).toContain('nope')
    const noRegion = await run(['get-caller-identity', '--profile', 'other'], environment)
    expect(noRegion.status).toBe(253)
    expect(noRegion.stderr).toContain('no region')
    expect(requests()).toHaveLength(0)
  })
})
