// edge-sts next to the real AWS CLI v2 (Debian's awscli at /usr/bin/aws; a pip AWS CLI v1 may shadow
// `aws` on PATH), both against the local STS on 127.0.0.1:
// - a profile whose credential_process is the built CLI serves `aws configure export-credentials`
//   and `aws sts get-caller-identity`, and three `aws` runs make one AssumeRole (the disk cache);
// - our JSON has the keys, nesting, indentation and time format of `aws sts …` for the same call;
// - the same command line sends the same form parameters (both captured at the local STS).
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ACCOUNT, SAML_ASSERTIONS, USERS, WEB_TOKENS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const AWS = '/usr/bin/aws'
// Each test starts several processes (the AWS CLI takes a second or more to start on a busy machine).
vi.setConfig({ testTimeout: 180_000 })

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = `${root}dist/cli.js`
const alice = USERS[0]!
const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo`
let server: Awaited<ReturnType<typeof startLocalSts>>
let home: string

// The README's example: the source profile holds only its region in the config file (its keys are
// in the credentials file), and the credential_process profile runs edge-sts with it.
const config = (url: string) => `[profile base]
region = us-east-1

[profile p]
credential_process = ${process.execPath} ${cli} assume-role --profile base --role-arn ${ROLE} --role-session-name proc --endpoint-url ${url} --output credential-process
region = us-east-1

[profile short]
credential_process = ${process.execPath} ${cli} assume-role --profile base --role-arn ${ROLE} --role-session-name short --duration-seconds 900 --endpoint-url ${url} --output credential-process
region = us-east-1

[profile uncached]
credential_process = ${process.execPath} ${cli} assume-role --profile base --role-arn ${ROLE} --role-session-name uncached --endpoint-url ${url} --output credential-process --no-cache
region = us-east-1
`

beforeAll(async () => {
  if (!existsSync(AWS)) throw new Error(`${AWS} is missing: .ci/run installs Debian's awscli`)
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first')
  server = await startLocalSts()
  home = mkdtempSync(join(tmpdir(), 'edge-sts-awscli-'))
  mkdirSync(join(home, '.aws'))
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[base]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  )
  writeFileSync(join(home, '.aws', 'config'), config(server.url))
})
afterAll(async () => {
  await server?.close()
  rmSync(home, { recursive: true, force: true })
})
beforeEach(() => server.sts.reset())

interface Result {
  status: number
  stdout: string
  stderr: string
}

const environment = (cacheDir: string) => ({
  PATH: process.env.PATH,
  HOME: home,
  AWS_CONFIG_FILE: join(home, '.aws', 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
  AWS_CLI_AUTO_PROMPT: 'off',
  EDGE_STS_CACHE_DIR: cacheDir,
})

const spawn = (file: string, args: string[], cacheDir: string): Promise<Result> =>
  promisify(execFile)(file, args, { env: environment(cacheDir), timeout: 60_000 }).then(
    (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ status: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  )
const aws = (args: string[], cacheDir = join(home, 'cache')) => spawn(AWS, args, cacheDir)
const edgeSts = (args: string[], cacheDir = join(home, 'cache')) =>
  spawn(process.execPath, [cli, ...args], cacheDir)

const actions = () => server.sts.state.requests.map((r) => r.params.Action)

describe('a credential_process profile running edge-sts, used by the AWS CLI', () => {
  it('aws configure export-credentials --format process and env', async () => {
    const cacheDir = join(home, 'cache-export')
    const json = await aws(
      ['configure', 'export-credentials', '--profile', 'p', '--format', 'process'],
      cacheDir,
    )
    expect(json.stderr).toBe('')
    const out = JSON.parse(json.stdout)
    const session = server.sts.sessions.get(out.AccessKeyId)!
    expect(session.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/demo/proc`)
    expect(out).toMatchObject({
      Version: 1,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
    })
    expect(Date.parse(out.Expiration)).toBe(session.expiration)
    const env = await aws(
      ['configure', 'export-credentials', '--profile', 'p', '--format', 'env'],
      cacheDir,
    )
    expect(env.stdout).toContain(`export AWS_ACCESS_KEY_ID=${out.AccessKeyId}\n`)
    expect(env.stdout).toContain(`export AWS_SESSION_TOKEN=${session.sessionToken}\n`)
    // The second command was served by the cache.
    expect(actions()).toEqual(['AssumeRole'])
  })

  it('aws sts get-caller-identity --profile p: three runs, the assumed role each time, one AssumeRole', async () => {
    const cacheDir = join(home, 'cache-three')
    for (let run = 0; run < 3; run++) {
      const r = await aws(
        ['sts', 'get-caller-identity', '--profile', 'p', '--endpoint-url', server.url],
        cacheDir,
      )
      expect(r.stderr).toBe('')
      expect(JSON.parse(r.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/demo/proc`)
    }
    expect(actions().filter((a) => a === 'AssumeRole')).toHaveLength(1)
    expect(actions().filter((a) => a === 'GetCallerIdentity')).toHaveLength(3)
  })

  it('900-second credentials defeat the cache: they are inside the AWS CLI refresh window from the start', async () => {
    const cacheDir = join(home, 'cache-short')
    for (let run = 0; run < 3; run++) {
      const r = await aws(
        ['sts', 'get-caller-identity', '--profile', 'short', '--endpoint-url', server.url],
        cacheDir,
      )
      expect(r.status).toBe(0)
    }
    // Each aws command runs the process twice (once more to refresh), and no entry is ever usable.
    expect(actions().filter((a) => a === 'AssumeRole')).toHaveLength(6)
  })

  it('without the cache (--no-cache) every aws run calls AssumeRole again', async () => {
    for (let run = 0; run < 3; run++) {
      const r = await aws([
        'sts',
        'get-caller-identity',
        '--profile',
        'uncached',
        '--endpoint-url',
        server.url,
      ])
      expect(r.status).toBe(0)
    }
    expect(actions().filter((a) => a === 'AssumeRole')).toHaveLength(3)
  })
})

// The shape of a JSON output: every string value replaced by <time> when it is a time as the AWS CLI
// prints it, else <string>; numbers by <number>. Keys, order, nesting and indentation stay.
const shape = (json: string) =>
  json
    .replace(/: "(?:[^"\\]|\\.)*"/g, (value) =>
      /^: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00"$/.test(value)
        ? ': <time>'
        : ': <string>',
    )
    .replace(/: \d+/g, ': <number>')

describe('our JSON output has the shape of the AWS CLI output for the same call', () => {
  it.each([
    [
      [
        'assume-role',
        '--role-arn',
        ROLE,
        '--role-session-name',
        'shape',
        '--source-identity',
        'alice',
        '--tags',
        'Key=a,Value=b',
      ],
    ],
    [['get-session-token', '--duration-seconds', '900']],
    [['get-caller-identity']],
    [['get-federation-token', '--name', 'bob', '--tags', 'Key=a,Value=b']],
    [
      [
        'assume-role-with-web-identity',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/web`,
        '--role-session-name',
        'gh',
        '--web-identity-token',
        Object.keys(WEB_TOKENS)[0]!,
      ],
    ],
    [
      [
        'assume-role-with-saml',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/saml`,
        '--principal-arn',
        `arn:aws:iam::${ACCOUNT}:saml-provider/example-idp`,
        '--saml-assertion',
        Object.keys(SAML_ASSERTIONS)[0]!,
      ],
    ],
    [
      [
        'decode-authorization-message',
        '--encoded-message',
        'encoded-authorization-message-example-1',
      ],
    ],
    [['get-access-key-info', '--access-key-id', alice.accessKeyId]],
  ])('%j', async (args) => {
    const common = ['--profile', 'base', '--endpoint-url', server.url]
    // Independent calls: run side by side.
    const [theirs, ours] = await Promise.all([
      aws(['sts', ...args, ...common]),
      edgeSts([...args, ...common]),
    ])
    expect(theirs.stderr).toBe('')
    expect(ours.stderr).toBe('')
    expect(shape(ours.stdout)).toBe(shape(theirs.stdout))
    // The comparison is of real output: the oracle printed keys, and times where there are some.
    expect(Object.keys(JSON.parse(theirs.stdout)).length).toBeGreaterThan(0)
    if (shape(ours.stdout).includes('SessionToken'))
      expect(shape(theirs.stdout)).toContain('<time>')
  })
})

// Text output with the values that differ between two calls masked: times, keys, tokens, role ids.
const masked = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00/g, '<time>')
    .split('\n')
    .map((line) =>
      line
        .split('\t')
        .map((field) => {
          if (/^ASIA[A-Z2-7]{16}$/.test(field)) return '<key id>'
          if (field.length >= 40 && !field.startsWith('arn:')) return '<secret>'
          return field.replace(/^(AROA|AIDA)[A-Z2-7]+/, '$1…')
        })
        .join('\t'),
    )
    .join('\n')

describe('--output text and --query print what the AWS CLI prints', () => {
  const assume = [
    'assume-role',
    '--role-arn',
    ROLE,
    '--role-session-name',
    'text',
    '--source-identity',
    'alice',
    '--tags',
    'Key=a,Value=b',
  ]
  it.each([
    [[...assume, '--output', 'text']],
    [['get-caller-identity', '--output', 'text']],
    [['get-federation-token', '--name', 'bob', '--output', 'text']],
    [
      [
        ...assume,
        '--query',
        'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]',
        '--output',
        'text',
      ],
    ],
    [
      [
        ...assume,
        '--query',
        '{b: AssumedRoleUser.Arn, a: PackedPolicySize, c: Nope}',
        '--output',
        'text',
      ],
    ],
    [[...assume, '--query', '{b: AssumedRoleUser.Arn, a: PackedPolicySize, c: Nope}']],
    [[...assume, '--query', 'Credentials.Expiration']],
    [[...assume, '--query', '[SourceIdentity, Credentials.Expiration, Nope.Deeper]']],
    [[...assume, '--query', 'Nope', '--output', 'text']],
    [['get-caller-identity', '--query', 'Account', '--output', 'text']],
    [['get-caller-identity', '--query', '"Arn"']],
  ])('%j', async (args) => {
    const common = ['--profile', 'base', '--endpoint-url', server.url]
    // Independent calls: run side by side.
    const [theirs, ours] = await Promise.all([
      aws(['sts', ...args, ...common]),
      edgeSts([...args, ...common]),
    ])
    expect(theirs.stderr).toBe('')
    expect(ours.stderr).toBe('')
    expect(masked(ours.stdout)).toBe(masked(theirs.stdout))
    expect(theirs.stdout.length).toBeGreaterThan(0)
  })
})

describe('the same command line sends the same form parameters as the AWS CLI', () => {
  const files = () => {
    writeFileSync(
      join(home, 'policy.json'),
      '{\r\n  "Version": "2012-10-17",\r\n  "Statement": []\r\n}\r\n',
    )
    writeFileSync(join(home, 'tags.json'), '[{"Key": "team", "Value": "blue"}]')
    writeFileSync(join(home, 'token'), Object.keys(WEB_TOKENS)[0]!)
    writeFileSync(join(home, 'saml'), Object.keys(SAML_ASSERTIONS)[0]!)
    // A trailing newline is kept by both, and sent.
    writeFileSync(join(home, 'token-newline'), `${Object.keys(WEB_TOKENS)[0]!}\n`)
  }
  const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
  const lines: string[][] = [
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's1',
      '--tags',
      'Key=team,Value=blue',
      'Key=env,Value=prod',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's2',
      '--tags',
      '[{"Key":"team","Value":"blue"},{"Key":"env","Value":"prod"}]',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's3',
      '--tags',
      '{"Key":"team","Value":"blue"}',
      '{"Key":"env","Value":"prod"}',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's4',
      '--tags',
      "Key=a,Value='x y'",
      'Key=b,Value=p=q',
      '--transitive-tag-keys',
      'a',
      'b',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's5',
      '--transitive-tag-keys',
      '["a","b"]',
      '--tags',
      'Key=a,Value=1',
      'Key=b,Value=2',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's6',
      '--policy-arns',
      `arn=${READ_ONLY}`,
      'arn=arn:aws:iam::aws:policy/a\\,b',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's7',
      '--policy-arns',
      `[{"arn":"${READ_ONLY}"}]`,
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's8',
      '--policy',
      'file://policy.json',
      '--duration-seconds',
      '1800',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's9',
      '--policy',
      'file://policy.json',
      '--external-id',
      'ext-1',
    ],
    [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      's10',
      '--tags',
      'file://tags.json',
      '--source-identity',
      'alice',
    ],
    [
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/mfa`,
      '--role-session-name',
      's11',
      '--serial-number',
      alice.mfaSerial!,
      '--token-code',
      alice.mfaCode!,
    ],
    [
      'get-session-token',
      '--duration-seconds',
      '900',
      '--serial-number',
      alice.mfaSerial!,
      '--token-code',
      alice.mfaCode!,
    ],
    [
      'get-federation-token',
      '--name',
      'bob',
      '--policy-arns',
      `arn=${READ_ONLY}`,
      '--tags',
      'Key=team,Value=blue',
      '--policy',
      'file://policy.json',
    ],
    [
      'assume-role-with-web-identity',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/web`,
      '--role-session-name',
      'gh',
      '--web-identity-token',
      'file://token',
      '--duration-seconds',
      '900',
    ],
    [
      'assume-role-with-saml',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/saml`,
      '--principal-arn',
      `arn:aws:iam::${ACCOUNT}:saml-provider/example-idp`,
      '--saml-assertion',
      'file://saml',
      '--policy-arns',
      `arn=${READ_ONLY}`,
    ],
    [
      'decode-authorization-message',
      '--encoded-message',
      'encoded-authorization-message-example-1',
    ],
    ['get-access-key-info', '--access-key-id', alice.accessKeyId],
  ]

  it.each(lines)('%s %s %s %s %s %s %s …', async (...args) => {
    files()
    const common = ['--profile', 'base', '--endpoint-url', server.url]
    // file:// paths are relative to the working directory: both run in the temporary HOME.
    const inHome = (file: string, argv: string[]) =>
      promisify(execFile)(file, argv, {
        env: environment(join(home, 'cache')),
        cwd: home,
        timeout: 60_000,
      }).then(
        (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
        (e) => ({
          status: e.code as number,
          stdout: e.stdout as string,
          stderr: e.stderr as string,
        }),
      )
    const theirs = await inHome(AWS, ['sts', ...args, ...common])
    const sent = server.sts.state.requests.map((r) => r.params)
    server.sts.reset()
    const ours = await inHome(process.execPath, [cli, ...args, ...common])
    const ourSent = server.sts.state.requests.map((r) => r.params)
    // The same answer too: success, or (the token with a newline) the same STS error.
    const expected = args.includes('file://token-newline') ? 254 : 0
    expect(theirs.status, theirs.stderr).toBe(expected)
    expect(ours.status, ours.stderr).toBe(expected)
    expect(sent).toHaveLength(1)
    expect(ourSent).toEqual(sent)
  })

  it('fileb:// on a text parameter: the AWS CLI refuses the bytes (252); edge-sts sends them unchanged', async () => {
    files()
    const args = [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'bytes',
      '--policy',
      `fileb://${home}/policy.json`,
      '--profile',
      'base',
      '--endpoint-url',
      server.url,
    ]
    const theirs = await aws(['sts', ...args])
    expect(theirs.status).toBe(252)
    expect(theirs.stderr).toContain('Invalid type for parameter Policy')
    expect(server.sts.state.requests).toHaveLength(0)
    const ours = await edgeSts(args)
    expect(ours.status, ours.stderr).toBe(0)
    expect(server.sts.state.requests[0]!.params.Policy).toBe(
      '{\r\n  "Version": "2012-10-17",\r\n  "Statement": []\r\n}\r\n',
    )
  })

  it.each([
    [['--tags', 'Project=edge,Team=a=b']],
    [['--tags', 'Key=a']],
    [['--tags', 'team']],
    [['--tags', '[{"Key":"a","Value":1}]']],
  ])('both refuse %j with status 252 and send nothing', async (extra) => {
    const args = [
      'assume-role',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'bad',
      ...extra,
      '--profile',
      'base',
      '--endpoint-url',
      server.url,
    ]
    // Independent calls: run side by side.
    const [theirs, ours] = await Promise.all([aws(['sts', ...args]), edgeSts(args)])
    expect(theirs.status).toBe(252)
    expect(ours.status).toBe(252)
    expect(server.sts.state.requests).toHaveLength(0)
  })

  it('--cli-input-json (file://), with an option overriding one of its members', async () => {
    writeFileSync(
      join(home, 'input.json'),
      JSON.stringify({
        RoleArn: ROLE,
        RoleSessionName: 'from-json',
        Tags: [{ Key: 'team', Value: 'blue' }],
        TransitiveTagKeys: ['team'],
        DurationSeconds: 1800,
      }),
    )
    const args = [
      'assume-role',
      '--cli-input-json',
      `file://${home}/input.json`,
      '--role-session-name',
      'override',
      '--profile',
      'base',
      '--endpoint-url',
      server.url,
    ]
    const theirs = await aws(['sts', ...args])
    const sent = server.sts.state.requests.map((r) => r.params)
    server.sts.reset()
    const ours = await edgeSts(args)
    expect(theirs.status, theirs.stderr).toBe(0)
    expect(ours.status, ours.stderr).toBe(0)
    expect(sent[0]).toMatchObject({ RoleSessionName: 'override', DurationSeconds: '1800' })
    expect(server.sts.state.requests.map((r) => r.params)).toEqual(sent)
  })
})

describe('--generate-cli-skeleton prints what the AWS CLI prints', () => {
  it.each([
    'assume-role',
    'assume-role-with-saml',
    'assume-role-with-web-identity',
    'decode-authorization-message',
    'get-access-key-info',
    'get-caller-identity',
    'get-federation-token',
    'get-session-token',
  ])('%s', async (command) => {
    // Independent calls: run side by side.
    const [theirs, ours] = await Promise.all([
      aws(['sts', command, '--generate-cli-skeleton']),
      edgeSts([command, '--generate-cli-skeleton', 'input']),
    ])
    expect(theirs.status).toBe(0)
    // Members the AWS CLI 2.9 model does not have yet (added to STS since) are the only difference.
    const skeleton = JSON.parse(ours.stdout)
    delete skeleton.ProvidedContexts
    delete skeleton.MinimumSessionTokenSize
    expect(JSON.stringify(skeleton, null, 4) + '\n').toBe(theirs.stdout)
    expect(ours.stdout).toBe(JSON.stringify(JSON.parse(ours.stdout), null, 4) + '\n')
  })
})
