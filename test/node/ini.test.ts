import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { CredentialsError } from '../../src/node/errors.ts'
import { fromIni } from '../../src/node/ini.ts'
import { resolveProfileChain, type ProfileChain } from '../../src/node/profile-chain.ts'
import type { ParsedProfileFile, Sections } from '../../src/node/shared-files.ts'
import { ACCOUNT, USERS, WEB_TOKENS } from '../local-sts/handler.ts'
import { startLocalSts } from '../local-sts/node.ts'

const vectors = new URL('../../../shared/vectors/credentials/', import.meta.url)

interface AssumeRoleCase {
  docs: string
  input: {
    profiles: Record<string, Record<string, string>>
    sso_sessions?: Record<string, Record<string, string>>
    selected_profile: string
  }
  output: { ProfileChain?: unknown[]; Error?: string }
}

const cases: AssumeRoleCase[] = JSON.parse(
  await readFile(new URL('assume-role-tests.json', vectors), 'utf8'),
)

const sections = (input: Record<string, Record<string, string>> = {}): Sections => {
  const result = Object.create(null) as Sections
  for (const [name, properties] of Object.entries(input))
    result[name] = Object.assign(Object.create(null), properties)
  return result
}

// The cross-SDK representation of a chain (snake_case keys as in assume-role-tests.json).
const toVectorShape = (chain: ProfileChain): unknown[] => {
  const { base } = chain
  const shaped: unknown[] = []
  const pick = (entries: [string, string | undefined][]) =>
    Object.fromEntries(entries.filter(([, value]) => value !== undefined))
  if (base.type === 'AccessKey')
    shaped.push({
      AccessKey: pick([
        ['access_key_id', base.accessKeyId],
        ['secret_access_key', base.secretAccessKey],
        ['session_token', base.sessionToken],
        ['account_id', base.accountId],
      ]),
    })
  if (base.type === 'NamedSource') shaped.push({ NamedSource: base.name })
  if (base.type === 'WebIdentityToken')
    shaped.push({
      WebIdentityToken: pick([
        ['role_arn', base.roleArn],
        ['web_identity_token_file', base.webIdentityTokenFile],
        ['role_session_name', base.roleSessionName],
      ]),
    })
  if (base.type === 'Sso')
    shaped.push({
      Sso: pick([
        ['sso_session', base.ssoSession],
        ['sso_region', base.ssoRegion],
        ['sso_start_url', base.ssoStartUrl],
        ['sso_account_id', base.ssoAccountId],
        ['sso_role_name', base.ssoRoleName],
      ]),
    })
  if (base.type === 'Process') shaped.push({ Process: base.command })
  for (const hop of chain.roles)
    shaped.push({
      AssumeRole: pick([
        ['role_arn', hop.roleArn],
        ['role_session_name', hop.roleSessionName],
        ['external_id', hop.externalId],
      ]),
    })
  return shaped
}

describe('assume-role-tests.json (smithy-rs cross-SDK cases)', () => {
  it('has the cases', () => expect(cases.length).toBe(28))
  it.each(cases.map((c, i) => [`${i}: ${c.docs}`, c] as const))('%s', (_, testCase) => {
    const files: ParsedProfileFile = {
      profiles: sections(testCase.input.profiles),
      ssoSessions: sections(testCase.input.sso_sessions),
      services: sections(),
    }
    if (testCase.output.Error !== undefined) {
      let caught: unknown
      try {
        resolveProfileChain(files, testCase.input.selected_profile)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(CredentialsError)
      expect((caught as Error).message.toLowerCase()).toContain(testCase.output.Error.toLowerCase())
      return
    }
    const chain = resolveProfileChain(files, testCase.input.selected_profile)
    expect(toVectorShape(chain)).toEqual(testCase.output.ProfileChain)
  })
})

describe('resolveProfileChain errors: codes and tryNextLink', () => {
  const files = (profiles: Record<string, Record<string, string>>): ParsedProfileFile => ({
    profiles: sections(profiles),
    ssoSessions: sections(),
    services: sections(),
  })
  const failure = (run: () => unknown): CredentialsError => {
    try {
      run()
    } catch (error) {
      return error as CredentialsError
    }
    throw new Error('expected a failure')
  }

  it('a missing selected profile: ProfileNotFound, try the next source', () => {
    const error = failure(() => resolveProfileChain(files({ a: {} }), 'b'))
    expect([error.code, error.tryNextLink]).toEqual(['ProfileNotFound', true])
  })
  it('a selected profile without credential settings: CredentialsNotFound, try the next source', () => {
    const error = failure(() => resolveProfileChain(files({ a: { region: 'x' } }), 'a'))
    expect([error.code, error.tryNextLink]).toEqual(['CredentialsNotFound', true])
  })
  it('a missing source profile is a broken chain', () => {
    const error = failure(() =>
      resolveProfileChain(
        files({ a: { role_arn: 'arn:aws:iam::1:role/r', source_profile: 'b' } }),
        'a',
      ),
    )
    expect([error.code, error.tryNextLink]).toEqual(['ProfileNotFound', false])
  })
  it('a cycle names every profile on it', () => {
    const role = 'arn:aws:iam::1:role/r'
    const error = failure(() =>
      resolveProfileChain(
        files({
          a: { role_arn: role, source_profile: 'b' },
          b: { role_arn: role, source_profile: 'c' },
          c: { role_arn: role, source_profile: 'a' },
        }),
        'a',
      ),
    )
    expect([error.code, error.tryNextLink]).toEqual(['ProfileCycle', false])
    expect(error.message).toContain('a → b → c → a')
  })
  it('an unknown credential_source and a bad duration_seconds are InvalidProfile', () => {
    const role = 'arn:aws:iam::1:role/r'
    expect(
      failure(() =>
        resolveProfileChain(files({ a: { role_arn: role, credential_source: 'Disk' } }), 'a'),
      ).code,
    ).toBe('InvalidProfile')
    expect(
      failure(() =>
        resolveProfileChain(
          files({ a: { role_arn: role, source_profile: 'a', duration_seconds: '1h' } }),
          'a',
        ),
      ).code,
    ).toBe('InvalidProfile')
  })
  it('never shows a key of the profile', () => {
    const error = failure(() =>
      resolveProfileChain(files({ a: { aws_secret_access_key: 'SECRET/only+half' } }), 'a'),
    )
    for (const shown of [error.message, String(error), inspect(error), JSON.stringify(error)])
      expect(shown).not.toContain('SECRET/only+half')
  })
})

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1']

describe('fromIni with real files in a temporary HOME and a local STS', () => {
  const [alice, bob] = USERS
  let home: string
  let server: Awaited<ReturnType<typeof startLocalSts>>
  const write = async (config: string, credentials = '') => {
    await writeFile(join(home, '.aws', 'config'), config)
    await writeFile(join(home, '.aws', 'credentials'), credentials)
  }
  const env = () => ({ HOME: home, AWS_ENDPOINT_URL_STS: server.url, PATH: process.env.PATH })
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`
  const requests = () => server.sts.state.requests

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'edge-sts-ini-'))
    await mkdir(join(home, '.aws'))
    // One local STS stands in for every region the profiles name.
    server = await startLocalSts({ region: REGIONS })
  })
  afterAll(async () => {
    await server.close()
    await rm(home, { recursive: true, force: true })
  })
  beforeEach(() => server.sts.reset())

  it('returns static keys with the account id, without calling STS', async () => {
    await write(
      '[profile dev]\nregion = eu-west-1\n',
      `[dev]\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\naws_account_id = ${ACCOUNT}\n`,
    )
    const credentials = await fromIni({ env: env(), profile: 'dev' })()
    expect(credentials).toEqual({
      accessKeyId: bob.accessKeyId,
      secretAccessKey: bob.secretAccessKey,
      accountId: ACCOUNT,
    })
    expect(requests()).toHaveLength(0)
  })

  it('chains two roles: each hop signed with the credentials of the one before', async () => {
    await write(
      `[profile base]\nregion = us-west-2\n[profile demo]\nrole_arn = ${role('demo')}\nsource_profile = base\nrole_session_name = first-hop\n[profile chained]\nrole_arn = ${role('chained')}\nsource_profile = demo\nregion = eu-central-1\n`,
      `[base]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
    )
    const now = vi.fn(() => Date.now())
    const credentials = await fromIni({ env: env(), profile: 'chained', now })()
    expect(requests().map((r) => [r.params.Action, r.params.RoleArn])).toEqual([
      ['AssumeRole', role('demo')],
      ['AssumeRole', role('chained')],
    ])
    expect(requests()[0].params.RoleSessionName).toBe('first-hop')
    expect(requests()[1].params.RoleSessionName).toMatch(/^edge-sts-\d+$/)
    expect(requests()[0].headers.authorization).toContain(`Credential=${alice.accessKeyId}/`)
    // The second hop is signed by the first hop's session, for the selected profile's region.
    const firstSession = server.sts.sessions.get(
      /Credential=([^/]+)\//.exec(requests()[1].headers.authorization)![1],
    )
    expect(firstSession?.roleArn).toBe(role('demo'))
    expect(requests()[1].headers['x-amz-security-token']).toBe(firstSession?.sessionToken)
    expect(requests()[1].headers.authorization).toContain('/eu-central-1/sts/aws4_request')
    const session = server.sts.sessions.get(credentials.accessKeyId)
    expect(session?.roleArn).toBe(role('chained'))
    expect(credentials.sessionToken).toBe(session?.sessionToken)
    expect(credentials.expiration).toEqual(new Date(session!.expiration))
    expect(credentials.accountId).toBe(ACCOUNT)
  })

  it('sends external_id and duration_seconds; the profile region wins over AWS_REGION (JS SDK)', async () => {
    await write(
      `[profile p]\nrole_arn = ${role('partner')}\nsource_profile = p\nexternal_id = partner-ext-id\nduration_seconds = 1800\nregion = eu-west-1\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`,
    )
    await fromIni({ env: { ...env(), AWS_REGION: 'ap-south-1' }, profile: 'p' })()
    expect(requests()).toHaveLength(1)
    expect(requests()[0].params).toMatchObject({
      RoleArn: role('partner'),
      ExternalId: 'partner-ext-id',
      DurationSeconds: '1800',
    })
    expect(requests()[0].headers.authorization).toContain('/eu-west-1/sts/aws4_request')
    await write(
      `[profile p]\nrole_arn = ${role('partner')}\nsource_profile = p\nexternal_id = partner-ext-id\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`,
    )
    await fromIni({ env: { ...env(), AWS_REGION: 'ap-south-1' }, profile: 'p' })()
    expect(requests()[1].headers.authorization).toContain('/ap-south-1/sts/aws4_request')
  })

  it('asks for the MFA code only when STS is called, and fails clearly without a callback', async () => {
    await write(
      `[default]\nrole_arn = ${role('mfa')}\nsource_profile = alice\nmfa_serial = ${alice.mfaSerial}\n`,
      `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
    )
    const mfaCodeProvider = vi.fn(async () => alice.mfaCode!)
    const provider = fromIni({ env: env(), mfaCodeProvider })
    expect(mfaCodeProvider).not.toHaveBeenCalled()
    const credentials = await provider()
    expect(mfaCodeProvider).toHaveBeenCalledExactlyOnceWith(alice.mfaSerial)
    expect(server.sts.sessions.get(credentials.accessKeyId)?.roleArn).toBe(role('mfa'))
    expect(requests()[0].params).toMatchObject({
      SerialNumber: alice.mfaSerial,
      TokenCode: '123456',
    })
    // Cached: a second call neither asks nor calls.
    await provider()
    expect(mfaCodeProvider).toHaveBeenCalledTimes(1)
    expect(requests()).toHaveLength(1)

    await expect(fromIni({ env: env() })()).rejects.toMatchObject({
      name: 'CredentialsError',
      code: 'MfaCodeRequired',
      tryNextLink: false,
    })
  })

  it('web_identity_token_file + role_arn: AssumeRoleWithWebIdentity with the file read on each call', async () => {
    const [token] = Object.keys(WEB_TOKENS)
    const tokenFile = join(home, 'token.jwt')
    await writeFile(tokenFile, `${token}\n`)
    await write(
      `[profile ci]\nrole_arn = ${role('web')}\nweb_identity_token_file = ${tokenFile}\nrole_session_name = ci-run\n`,
    )
    const credentials = await fromIni({ env: env(), profile: 'ci' })()
    expect(requests()[0].params).toMatchObject({
      Action: 'AssumeRoleWithWebIdentity',
      RoleArn: role('web'),
      RoleSessionName: 'ci-run',
      WebIdentityToken: token,
    })
    expect(credentials.accountId).toBe(ACCOUNT)
    await rm(tokenFile)
    const failed = fromIni({ env: env(), profile: 'ci' })()
    await expect(failed).rejects.toMatchObject({ code: 'CredentialsNotFound', tryNextLink: false })
    await expect(failed).rejects.toThrow(tokenFile)
  })

  it('credential_process as the source of a role', async () => {
    const output = JSON.stringify({
      Version: 1,
      AccessKeyId: bob.accessKeyId,
      SecretAccessKey: bob.secretAccessKey,
    })
    await write(
      `[profile tool]\ncredential_process = echo '${output}'\n[profile r]\nrole_arn = ${role('demo')}\nsource_profile = tool\n`,
    )
    const credentials = await fromIni({ env: env(), profile: 'r' })()
    expect(requests()[0].headers.authorization).toContain(`Credential=${bob.accessKeyId}/`)
    expect(server.sts.sessions.get(credentials.accessKeyId)?.roleArn).toBe(role('demo'))
  })

  it('credential_source = Environment takes the keys from the environment', async () => {
    await write(`[profile e]\nrole_arn = ${role('demo')}\ncredential_source = Environment\n`)
    const keys = { AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey }
    const credentials = await fromIni({ env: { ...env(), ...keys }, profile: 'e' })()
    expect(server.sts.sessions.get(credentials.accessKeyId)?.roleArn).toBe(role('demo'))
    // Without the keys the profile is broken: a chain must stop here, not try the next source.
    await expect(fromIni({ env: env(), profile: 'e' })()).rejects.toMatchObject({
      code: 'CredentialsNotFound',
      tryNextLink: false,
    })
  })

  it('uses endpoint_url of the services section, and of the profile', async () => {
    await write(
      `[profile s]\nservices = local\nrole_arn = ${role('demo')}\nsource_profile = s\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n[services local]\nsts =\n  endpoint_url = ${server.url}\n[profile u]\nendpoint_url = ${server.url}\nrole_arn = ${role('demo')}\nsource_profile = s\n`,
    )
    const onlyHome = { HOME: home }
    await fromIni({ env: onlyHome, profile: 's' })()
    await fromIni({ env: onlyHome, profile: 'u' })()
    expect(requests()).toHaveLength(2)
  })

  it('reports STS refusals as typed STS errors, without secrets', async () => {
    await write(
      `[profile locked]\nrole_arn = ${role('locked')}\nsource_profile = locked\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`,
    )
    const error = await fromIni({ env: env(), profile: 'locked' })().catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'StsError', code: 'AccessDenied' })
    for (const shown of [String(error), inspect(error), JSON.stringify(error)])
      expect(shown).not.toContain(bob.secretAccessKey)
  })

  it('an unknown profile lets a chain try the next source; a malformed file does not', async () => {
    await write('[profile a]\nregion = us-east-1\n')
    const unknown = fromIni({ env: env(), profile: 'zzz' })()
    await expect(unknown).rejects.toMatchObject({ code: 'ProfileNotFound', tryNextLink: true })
    await expect(unknown).rejects.toThrow(`looked in ${join(home, '.aws', 'config')} and`)
    await write('[profile a]\nregion us-east-1\n')
    const failed = fromIni({ env: env(), profile: 'a' })()
    await expect(failed).rejects.toMatchObject({ code: 'InvalidConfigFile', tryNextLink: false })
    await expect(failed).rejects.toThrow(`${join(home, '.aws', 'config')} at line 2`)
  })

  it('does not cache failures: a fixed file is read on the next call', async () => {
    await write('[profile late]\n')
    const provider = fromIni({ env: env(), profile: 'late' })
    await expect(provider()).rejects.toMatchObject({ code: 'CredentialsNotFound' })
    await write(
      `[profile late]\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`,
    )
    expect((await provider()).accessKeyId).toBe(bob.accessKeyId)
  })
})

// The STS scenarios of smithy-rs' profile provider, with the files read for real (HOME is the
// scenario's fs/home) and a fetch that answers each recorded exchange in order after checking the
// request against it: method, URL, and the form parameters other than the session name (the Rust
// SDK's default session name cannot be reproduced by another SDK).
describe('profile-provider STS scenarios (smithy-rs): endpoints, FIPS + dual stack, retries', () => {
  const scenarios = new URL('profile-provider/', vectors)
  it.each([
    'assume_role_override_global_env_url',
    'assume_role_override_global_profile_url',
    'assume_role_override_service_profile_url',
    'e2e_fips_and_dual_stack_sts',
    'retry_on_error',
  ])('%s', async (name) => {
    const folder = new URL(`${name}/`, scenarios)
    const read = async (file: string) => JSON.parse(await readFile(new URL(file, folder), 'utf8'))
    const traffic = (await read('http-traffic.json')).events as any[]
    const exchanges: {
      uri: string
      method: string
      body: string
      status: number
      response: string
    }[] = []
    for (const event of traffic) {
      const action = event.action
      if (action.Request)
        exchanges.push({
          uri: action.Request.request.uri,
          method: action.Request.request.method,
          body: '',
          status: 0,
          response: '',
        })
      const last = exchanges[exchanges.length - 1]
      if (action.Data?.direction === 'Request') last.body += action.Data.data.Utf8
      if (action.Data?.direction === 'Response') last.response += action.Data.data.Utf8
      if (action.Response) last.status = action.Response.response.Ok.status
    }
    let next = 0
    const replay = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      const recorded = exchanges[next++]
      expect(request.method).toBe(recorded.method)
      expect(new URL(request.url).href).toBe(new URL(recorded.uri).href)
      const form = (body: string) => {
        const params = new URLSearchParams(body)
        params.delete('RoleSessionName')
        return [...params].sort()
      }
      expect(form(await request.text())).toEqual(form(recorded.body))
      return new Response(recorded.response, { status: recorded.status })
    }) as typeof fetch
    const expected = (await read('test-case.json')).result.Ok
    const env = { ...(await read('env.json')), HOME: fileURLToPath(new URL('fs/home', folder)) }
    const credentials = await fromIni({
      env,
      fetch: replay,
      // The recordings' credentials expired in 2021: a clock before that, as the replay harness uses.
      now: () => Date.UTC(2009, 1, 13),
      clientConfig: { retryDelayMs: 1 },
    })()
    expect(next).toBe(exchanges.length)
    expect(credentials).toEqual({
      accessKeyId: expected.access_key_id,
      secretAccessKey: expected.secret_access_key,
      sessionToken: expected.session_token,
      accountId: expected.account_id,
      expiration: new Date(expected.expiry * 1000),
    })
  })
})

// The AWS SDK for JavaScript v3's own fromIni (a dependency of the devDependency
// @aws-sdk/client-sts) as an independent oracle: for the same files, both must send the same
// AssumeRole calls (role, external id, MFA, who signed, which region) and end with the same role,
// or both fail. Session names differ by design (`aws-sdk-js-…` / `edge-sts-…`) and are compared
// only when the profile sets one; the JS SDK always sends DurationSeconds (3600 by default).
describe('fromIni agrees with @aws-sdk/credential-provider-ini on role chains', () => {
  const [alice, bob] = USERS
  let home: string
  let server: Awaited<ReturnType<typeof startLocalSts>>
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`
  const keys = (user: (typeof USERS)[number]) =>
    `aws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`
  const processKeys = `credential_process = echo '${JSON.stringify({ Version: 1, AccessKeyId: bob.accessKeyId, SecretAccessKey: bob.secretAccessKey })}'\n`

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'edge-sts-ini-oracle-'))
    await mkdir(join(home, '.aws'))
    // One local STS stands in for every region the profiles name.
    server = await startLocalSts({ region: REGIONS })
  })
  afterAll(async () => {
    await server.close()
    await rm(home, { recursive: true, force: true })
  })

  const cases: [name: string, config: string, good: boolean][] = [
    ['static keys only', `[profile a]\n${keys(bob)}`, true],
    [
      'role from a static source',
      `[profile a]\nrole_arn = ${role('demo')}\nsource_profile = b\n[profile b]\n${keys(bob)}`,
      true,
    ],
    [
      'two hops',
      `[profile a]\nrole_arn = ${role('chained')}\nsource_profile = b\n[profile b]\nrole_arn = ${role('demo')}\nsource_profile = c\n[profile c]\n${keys(alice)}`,
      true,
    ],
    [
      'a profile as its own source',
      `[profile a]\nrole_arn = ${role('demo')}\nsource_profile = a\n${keys(bob)}`,
      true,
    ],
    [
      'static keys win on a later hop',
      `[profile a]\nrole_arn = ${role('demo')}\nsource_profile = b\n[profile b]\nrole_arn = ${role('partner')}\nsource_profile = c\n${keys(alice)}[profile c]\n${keys(bob)}`,
      true,
    ],
    [
      'external id, session name, duration',
      `[profile a]\nrole_arn = ${role('partner')}\nexternal_id = partner-ext-id\nrole_session_name = oracle\nduration_seconds = 1800\nsource_profile = b\n[profile b]\n${keys(bob)}`,
      true,
    ],
    [
      'MFA',
      `[profile a]\nrole_arn = ${role('mfa')}\nmfa_serial = ${alice.mfaSerial}\nsource_profile = b\n[profile b]\n${keys(alice)}`,
      true,
    ],
    [
      'region of the profile',
      `[profile a]\nregion = ap-south-1\nrole_arn = ${role('demo')}\nsource_profile = b\n[profile b]\n${keys(bob)}`,
      true,
    ],
    [
      'credential_process as the source',
      `[profile a]\nrole_arn = ${role('demo')}\nsource_profile = p\n[profile p]\n${processKeys}`,
      true,
    ],
    [
      'a refused role',
      `[profile a]\nrole_arn = ${role('locked')}\nsource_profile = b\n[profile b]\n${keys(bob)}`,
      false,
    ],
    [
      'a cycle',
      `[profile a]\nrole_arn = ${role('demo')}\nsource_profile = b\n[profile b]\nrole_arn = ${role('demo')}\nsource_profile = a`,
      false,
    ],
    [
      'a missing source profile',
      `[profile a]\nrole_arn = ${role('demo')}\nsource_profile = nope`,
      false,
    ],
  ]

  it.each(cases)('%s', async (_, config, good) => {
    const configFile = join(home, '.aws', 'config')
    const credentialsFile = join(home, '.aws', 'credentials')
    await writeFile(configFile, config)
    await writeFile(credentialsFile, '')
    const mfaCodeProvider = async () => alice.mfaCode!
    const run = async (provider: () => Promise<any>) => {
      server.sts.reset()
      let outcome: unknown
      try {
        const credentials = await provider()
        outcome = {
          role:
            server.sts.sessions.get(credentials.accessKeyId)?.roleArn ?? credentials.accessKeyId,
          accountId: credentials.accountId,
        }
      } catch {
        outcome = 'error'
      }
      const calls = server.sts.state.requests.map((request) => {
        const signer = /Credential=([^/]+)\/\d+\/([^/]+)\//.exec(
          request.headers.authorization ?? '',
        )
        const session = server.sts.sessions.get(signer?.[1] ?? '')
        const { Action, RoleArn, ExternalId, SerialNumber, TokenCode, DurationSeconds } =
          request.params
        return {
          Action,
          RoleArn,
          ExternalId,
          SerialNumber,
          TokenCode,
          DurationSeconds: DurationSeconds === '3600' ? undefined : DurationSeconds,
          RoleSessionName: config.includes('role_session_name')
            ? request.params.RoleSessionName
            : '',
          signedBy: session?.roleArn ?? signer?.[1],
          region: signer?.[2],
        }
      })
      return { outcome, calls }
    }
    const { fromIni: sdkFromIni } = await import('@aws-sdk/credential-provider-ini')
    const sdk = await run(() =>
      sdkFromIni({
        profile: 'a',
        configFilepath: configFile,
        filepath: credentialsFile,
        ignoreCache: true,
        mfaCodeProvider,
        clientConfig: { endpoint: server.url, maxAttempts: 1 },
      })(),
    )
    const ours = await run(() =>
      fromIni({
        env: { HOME: home, PATH: process.env.PATH, AWS_ENDPOINT_URL_STS: server.url },
        profile: 'a',
        mfaCodeProvider,
        clientConfig: { maxAttempts: 1 },
      })(),
    )
    expect(ours).toEqual(sdk)
    expect(sdk.outcome !== 'error').toBe(good)
  })
})
