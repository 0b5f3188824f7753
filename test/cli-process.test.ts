// The built dist/cli.js as a real process under Node, Deno and Bun against the local STS: profiles
// from a temporary HOME, a file:// value, the disk cache across runs, the exit statuses, --version.
// The credential_process output is also read back by the AWS SDK's own provider, an independent
// oracle. A runtime that cannot start fails its test: nothing is skipped.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fromProcess } from '@aws-sdk/credential-provider-process'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

// Each test starts several processes (the AWS CLI takes a second or more to start on a busy machine).
vi.setConfig({ testTimeout: 180_000 })

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = `${root}dist/cli.js`
const alice = USERS[0]!
const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo`
const version = JSON.parse((await import('node:fs')).readFileSync(`${root}package.json`, 'utf8'))
  .version as string
let server: Awaited<ReturnType<typeof startLocalSts>>
let home: string

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first')
  server = await startLocalSts()
  home = mkdtempSync(join(tmpdir(), 'edge-sts-process-'))
  mkdirSync(join(home, '.aws'))
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[base]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  )
  writeFileSync(join(home, '.aws', 'config'), '[profile base]\nregion = us-east-1\n')
  writeFileSync(join(home, 'policy.json'), '{"Version":"2012-10-17","Statement":[]}\n')
})
afterAll(async () => {
  await server?.close()
  rmSync(home, { recursive: true, force: true })
})
beforeEach(() => server.sts.reset())

// Deno: network to 127.0.0.1 only; reads of the package and the temporary HOME, writes to the HOME.
const denoArgs = () => [
  'run',
  '--no-prompt',
  '--allow-net=127.0.0.1',
  '--allow-env',
  '--allow-sys=uid,homedir',
  `--allow-read=${root},${home}`,
  `--allow-write=${home}`,
]
const runtimes: [string, string, () => string[]][] = [
  ['Node', process.execPath, () => []],
  ['Deno', `${root}node_modules/.bin/deno`, denoArgs],
  ['Bun', `${root}node_modules/.bin/bun`, () => []],
]

const spawn = (file: string, args: string[], argv: string[], cacheDir: string) =>
  promisify(execFile)(file, [...args, cli, ...argv], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_STS: server.url,
      EDGE_STS_CACHE_DIR: cacheDir,
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
    },
    timeout: 60_000,
  }).then(
    (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ status: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  )

describe('dist/cli.js as a process', () => {
  it.each(runtimes)(
    '%s: profile, file://, cache across runs, 254, 252, --version',
    async (name, file, argsOf) => {
      const args = argsOf()
      const cacheDir = join(home, `cache-${name}`)
      const process = [
        'assume-role',
        '--profile',
        'base',
        '--role-arn',
        ROLE,
        '--role-session-name',
        `proc-${name}`,
        '--policy',
        `file://${home}/policy.json`,
        '--output',
        'credential-process',
      ]
      const first = await spawn(file, args, process, cacheDir)
      expect(first.stderr).toBe('')
      expect(first.status).toBe(0)
      const out = JSON.parse(first.stdout)
      expect(out).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) })
      expect(server.sts.sessions.get(out.AccessKeyId)?.sessionToken === out.SessionToken).toBe(true)
      expect(server.sts.state.requests[0]!.params.Policy).toBe(
        '{"Version":"2012-10-17","Statement":[]}\n',
      )
      const second = await spawn(file, args, process, cacheDir)
      expect(second).toEqual(first)
      expect(server.sts.state.requests).toHaveLength(1)
      expect(readdirSync(cacheDir)).toHaveLength(1)

      const denied = await spawn(
        file,
        args,
        ['assume-role', '--profile', 'base', '--role-arn', `arn:aws:iam::${ACCOUNT}:role/locked`],
        cacheDir,
      )
      expect(denied.status).toBe(254)
      expect(denied.stdout).toBe('')
      expect(denied.stderr).toContain(
        'An error occurred (AccessDenied) when calling the AssumeRole operation',
      )
      const usage = await spawn(file, args, ['assume-role', '--tags', 'Project=x'], cacheDir)
      expect(usage.status).toBe(252)
      const versionLine = await spawn(file, args, ['--version'], cacheDir)
      expect(versionLine.stdout).toMatch(
        new RegExp(`^edge-sts/${version.replace(/\./g, '\\.')} ${name}/\\d`),
      )
    },
  )

  it('a profile whose credential_process runs edge-sts with that same profile stops with 253', async () => {
    const loopHome = mkdtempSync(join(tmpdir(), 'edge-sts-loop-'))
    try {
      mkdirSync(join(loopHome, '.aws'))
      const command = `${process.execPath} ${cli} assume-role --profile loop --role-arn ${ROLE} --role-session-name loop --output credential-process --no-cache`
      writeFileSync(
        join(loopHome, '.aws', 'config'),
        `[profile loop]\nregion = us-east-1\ncredential_process = ${command}\n`,
      )
      const r = await promisify(execFile)(process.execPath, [cli, ...command.split(' ').slice(2)], {
        env: { PATH: process.env.PATH, HOME: loopHome, AWS_EC2_METADATA_DISABLED: 'true' },
        timeout: 120_000,
      }).then(
        () => ({ status: 0, stderr: '' }),
        (e) => ({ status: e.code as number, stderr: e.stderr as string }),
      )
      expect(r.status).toBe(253)
      expect(r.stderr).toContain('runs itself 4 levels deep')
      expect(server.sts.state.requests).toHaveLength(0)
    } finally {
      rmSync(loopHome, { recursive: true, force: true })
    }
  })

  it('the AWS SDK credential_process provider accepts the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-sts-sdk-'))
    const saved = { ...process.env }
    try {
      const command = `${process.execPath} ${cli} assume-role --role-arn ${ROLE} --role-session-name sdk --duration-seconds 1200 --region us-east-1 --endpoint-url ${server.url} --output credential-process --no-cache`
      writeFileSync(join(dir, 'config'), `[profile edge]\ncredential_process = ${command}\n`)
      writeFileSync(join(dir, 'credentials'), '')
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: alice.accessKeyId,
        AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
      })
      const credentials = await fromProcess({
        profile: 'edge',
        configFilepath: join(dir, 'config'),
        filepath: join(dir, 'credentials'),
      })()
      const session = server.sts.sessions.get(credentials.accessKeyId)!
      expect(session).toBeDefined()
      expect(credentials.secretAccessKey).toBe(session.secretAccessKey)
      expect(credentials.sessionToken).toBe(session.sessionToken)
      expect(credentials.expiration!.getTime()).toBe(session.expiration)
    } finally {
      for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
        if (!(key in saved)) delete process.env[key]
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
