import { createServer, type IncomingMessage, type Server } from 'node:http'
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CredentialsError } from '../../src/node/errors.ts'
import { fromIni } from '../../src/node/ini.ts'
import { fromSSO, ssoTokenCachePath } from '../../src/node/sso.ts'

const ACCESS_TOKEN = 'sso-access-token-0123456789abcdef'
const NEW_ACCESS_TOKEN = 'sso-new-access-token-fedcba9876543210'
const REFRESH_TOKEN = 'sso-refresh-token-aaaaaaaaaaaaaaaa'
const NEW_REFRESH_TOKEN = 'sso-new-refresh-token-bbbbbbbbbbbbbb'
const CLIENT_SECRET = 'sso-client-secret-cccccccccccccccc'
const ROLE_SECRET = 'role/secret+key/ddddddddddddddddddddddddd'

const failure = async (promise: Promise<unknown>): Promise<CredentialsError> => {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError)
    return error as CredentialsError
  }
  throw new Error('expected a failure')
}

const expectNoSecret = (error: unknown) => {
  for (const shown of [String(error), inspect(error), JSON.stringify(error)])
    for (const secret of [
      ACCESS_TOKEN,
      NEW_ACCESS_TOKEN,
      REFRESH_TOKEN,
      CLIENT_SECRET,
      ROLE_SECRET,
    ])
      expect(shown).not.toContain(secret)
}

interface Seen {
  method: string
  url: string
  bearer?: string
  body: string
}

describe('fromSSO against a local SSO portal and SSO OIDC on 127.0.0.1', () => {
  let home: string
  let server: Server
  let base: string
  let seen: Seen[] = []
  let validToken = ACCESS_TOKEN
  let oidcStatus = 200
  let portalStatus = 200

  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'edge-sts-sso-'))
    await mkdir(join(home, '.aws', 'sso', 'cache'), { recursive: true })
    server = createServer(async (request, response) => {
      const body = await readBody(request)
      const bearer = request.headers['x-amz-sso_bearer_token']
      seen.push({
        method: request.method!,
        url: request.url!,
        bearer: typeof bearer === 'string' ? bearer : undefined,
        body,
      })
      const url = new URL(request.url!, 'http://localhost')
      if (request.method === 'GET' && url.pathname === '/federation/credentials') {
        if (portalStatus !== 200 || bearer !== validToken) {
          response.writeHead(portalStatus === 200 ? 401 : portalStatus, {
            'x-amzn-errortype': 'UnauthorizedException:http://internal.amazon.com/',
          })
          response.end(JSON.stringify({ message: `bad token ${String(bearer)}` }))
          return
        }
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            roleCredentials: {
              accessKeyId: `ASIA-${url.searchParams.get('role_name')}`,
              secretAccessKey: ROLE_SECRET,
              sessionToken: 'role-session-token',
              expiration: Date.UTC(2099, 0, 1),
            },
          }),
        )
        return
      }
      if (request.method === 'POST' && url.pathname === '/token') {
        const input = JSON.parse(body)
        const good =
          input.clientId === 'client-1' &&
          input.clientSecret === CLIENT_SECRET &&
          input.refreshToken === REFRESH_TOKEN &&
          input.grantType === 'refresh_token'
        if (oidcStatus !== 200 || !good) {
          response.writeHead(oidcStatus === 200 ? 400 : oidcStatus, {
            'x-amzn-errortype': 'InvalidGrantException',
          })
          response.end(JSON.stringify({ error: 'invalid_grant', echo: REFRESH_TOKEN }))
          return
        }
        validToken = NEW_ACCESS_TOKEN
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            accessToken: NEW_ACCESS_TOKEN,
            expiresIn: 3600,
            refreshToken: NEW_REFRESH_TOKEN,
            tokenType: 'Bearer',
          }),
        )
        return
      }
      response.writeHead(404)
      response.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await rm(home, { recursive: true, force: true })
  })
  beforeEach(() => {
    seen = []
    validToken = ACCESS_TOKEN
    oidcStatus = 200
    portalStatus = 200
  })

  const env = () => ({
    HOME: home,
    AWS_ENDPOINT_URL_SSO: base,
    AWS_ENDPOINT_URL_SSO_OIDC: base,
  })
  const config = (text: string) => writeFile(join(home, '.aws', 'config'), text)
  const cacheFile = async (key: { ssoSession?: string; ssoStartUrl: string }) =>
    ssoTokenCachePath(key, { env: { HOME: home } })
  const SESSION_CONFIG =
    '[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n' +
    '[sso-session corp]\nsso_region = us-east-2\nsso_start_url = https://corp.awsapps.com/start\n'
  const writeCache = async (file: string, fields: object) =>
    writeFile(file, JSON.stringify(fields, null, 2))
  const NOW = Date.UTC(2030, 0, 1)

  it('the cache file is named by the SHA-1 of the session name, or of the start URL (legacy)', async () => {
    // Names as in the smithy-rs scenarios: sha1("dev"), sha1("https://ssotest.awsapps.com/start").
    expect(
      await ssoTokenCachePath({ ssoSession: 'dev', ssoStartUrl: 'x' }, { env: { HOME: '/h' } }),
    ).toBe('/h/.aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json')
    expect(
      await ssoTokenCachePath(
        { ssoStartUrl: 'https://ssotest.awsapps.com/start' },
        { env: { HOME: '/h' } },
      ),
    ).toBe('/h/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json')
  })

  it('legacy sso_* keys: GetRoleCredentials with the cached token', async () => {
    await config(
      '[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 999988887777\nsso_role_name = ReadOnly\n',
    )
    await writeCache(await cacheFile({ ssoStartUrl: 'https://legacy.awsapps.com/start' }), {
      accessToken: ACCESS_TOKEN,
      expiresAt: '2031-01-01T00:00:00Z',
    })
    const credentials = await fromSSO({ env: env(), profile: 'legacy', now: () => NOW })()
    expect(credentials).toEqual({
      accessKeyId: 'ASIA-ReadOnly',
      secretAccessKey: ROLE_SECRET,
      sessionToken: 'role-session-token',
      expiration: new Date(Date.UTC(2099, 0, 1)),
      accountId: '999988887777',
    })
    expect(seen).toEqual([
      {
        method: 'GET',
        url: '/federation/credentials?role_name=ReadOnly&account_id=999988887777',
        bearer: ACCESS_TOKEN,
        body: '',
      },
    ])
  })

  it('sso_session: refreshes a token near expiry through CreateToken and writes the cache back (0600, atomically)', async () => {
    await config(SESSION_CONFIG)
    const file = await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' })
    await writeCache(file, {
      accessToken: ACCESS_TOKEN,
      expiresAt: new Date(NOW + 60_000).toISOString(),
      refreshToken: REFRESH_TOKEN,
      clientId: 'client-1',
      clientSecret: CLIENT_SECRET,
      registrationExpiresAt: '2031-01-01T00:00:00Z',
      region: 'us-east-2',
      startUrl: 'https://corp.awsapps.com/start',
    })
    const credentials = await fromSSO({ env: env(), profile: 'dev', now: () => NOW })()
    expect(credentials.accessKeyId).toBe('ASIA-Dev')
    expect(seen.map((s) => [s.method, s.url.split('?')[0], s.bearer])).toEqual([
      ['POST', '/token', undefined],
      ['GET', '/federation/credentials', NEW_ACCESS_TOKEN],
    ])
    expect(JSON.parse(seen[0].body)).toEqual({
      clientId: 'client-1',
      clientSecret: CLIENT_SECRET,
      refreshToken: REFRESH_TOKEN,
      grantType: 'refresh_token',
    })
    const cached = JSON.parse(await readFile(file, 'utf8'))
    expect(cached).toMatchObject({
      accessToken: NEW_ACCESS_TOKEN,
      refreshToken: NEW_REFRESH_TOKEN,
      expiresAt: new Date(NOW + 3600_000).toISOString(),
      clientId: 'client-1',
      startUrl: 'https://corp.awsapps.com/start',
    })
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(
      (await readdir(join(home, '.aws', 'sso', 'cache'))).filter((n) => n.endsWith('.tmp')),
    ).toEqual([])
  })

  it('a token still valid is used when the refresh fails; an expired one is an error without secrets', async () => {
    await config(SESSION_CONFIG)
    const file = await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' })
    const entry = {
      accessToken: ACCESS_TOKEN,
      refreshToken: REFRESH_TOKEN,
      clientId: 'client-1',
      clientSecret: CLIENT_SECRET,
      registrationExpiresAt: '2031-01-01T00:00:00Z',
    }
    oidcStatus = 400
    await writeCache(file, { ...entry, expiresAt: new Date(NOW + 60_000).toISOString() })
    expect((await fromSSO({ env: env(), profile: 'dev', now: () => NOW })()).accessKeyId).toBe(
      'ASIA-Dev',
    )

    await writeCache(file, { ...entry, expiresAt: new Date(NOW - 60_000).toISOString() })
    const error = await failure(fromSSO({ env: env(), profile: 'dev', now: () => NOW })())
    expect([error.code, error.tryNextLink]).toEqual(['SsoFailed', false])
    expect(error.message).toContain('InvalidGrantException')
    expect(error.message).toContain('aws sso login --sso-session corp')
    expectNoSecret(error)
  })

  it('an expired token without refresh data: TokenExpired, saying how to log in', async () => {
    await config(SESSION_CONFIG)
    await writeCache(await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' }), {
      accessToken: ACCESS_TOKEN,
      expiresAt: new Date(NOW - 1000).toISOString(),
    })
    const error = await failure(fromSSO({ env: env(), profile: 'dev', now: () => NOW })())
    expect([error.code, error.tryNextLink]).toEqual(['TokenExpired', false])
    expect(error.message).toContain('aws sso login')
    expect(seen).toEqual([])
    expectNoSecret(error)
  })

  it('no cached token: SsoTokenMissing naming the file', async () => {
    await config(
      SESSION_CONFIG.replace('corp', 'other').replace('sso-session corp', 'sso-session other'),
    )
    const file = await cacheFile({ ssoSession: 'other', ssoStartUrl: '' })
    await rm(file, { force: true })
    const error = await failure(fromSSO({ env: env(), profile: 'dev' })())
    expect(error.code).toBe('SsoTokenMissing')
    expect(error.message).toContain(file)
  })

  it('the portal refusing the token: SsoFailed, without the token or the body', async () => {
    await config(SESSION_CONFIG)
    await writeCache(await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' }), {
      accessToken: ACCESS_TOKEN,
      expiresAt: '2031-01-01T00:00:00Z',
    })
    portalStatus = 403
    const error = await failure(fromSSO({ env: env(), profile: 'dev', now: () => NOW })())
    expect(error.code).toBe('SsoFailed')
    expect(error.message).toContain('HTTP 403 UnauthorizedException')
    expectNoSecret(error)
  })

  it('retries the portal on 5xx and reports an unreachable endpoint', async () => {
    await config(SESSION_CONFIG)
    await writeCache(await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' }), {
      accessToken: ACCESS_TOKEN,
      expiresAt: '2031-01-01T00:00:00Z',
    })
    portalStatus = 503
    expect((await failure(fromSSO({ env: env(), profile: 'dev', now: () => NOW })())).code).toBe(
      'SsoFailed',
    )
    expect(seen).toHaveLength(3)
    const closed = { ...env(), AWS_ENDPOINT_URL_SSO: 'http://127.0.0.1:9' }
    const unreachable = await failure(fromSSO({ env: closed, profile: 'dev', now: () => NOW })())
    expect(unreachable.code).toBe('EndpointUnreachable')
  })

  it('stops at once when the signal aborts', async () => {
    await config(SESSION_CONFIG)
    await writeCache(await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' }), {
      accessToken: ACCESS_TOKEN,
      expiresAt: '2031-01-01T00:00:00Z',
    })
    const signal = AbortSignal.abort()
    const error = await failure(fromSSO({ env: env(), profile: 'dev', now: () => NOW, signal })())
    expect(error.code).toBe('EndpointUnreachable')
    expect(error.message).toContain('aborted')
    expect(seen).toEqual([])
  })

  it('a profile with sso_session but no account and role is for an access token, not credentials', async () => {
    await config(
      '[profile tok]\nsso_session = corp\n[sso-session corp]\nsso_region = us-east-2\nsso_start_url = https://corp.awsapps.com/start\n',
    )
    const error = await failure(fromSSO({ env: env(), profile: 'tok' })())
    expect(error.code).toBe('InvalidProfile')
    expect(error.message).toContain(
      'selected profile will resolve an access token instead of credentials',
    )
  })

  it('not configured: no profile or no SSO keys lets a chain go on', async () => {
    await config('[profile plain]\nregion = us-east-1\n')
    expect((await failure(fromSSO({ env: env(), profile: 'plain' })())).tryNextLink).toBe(true)
    expect((await failure(fromSSO({ env: env(), profile: 'none' })())).tryNextLink).toBe(true)
  })

  it('explicit settings, and fromIni with an SSO profile', async () => {
    await config(SESSION_CONFIG)
    await writeCache(await cacheFile({ ssoSession: 'corp', ssoStartUrl: '' }), {
      accessToken: ACCESS_TOKEN,
      expiresAt: '2031-01-01T00:00:00Z',
    })
    const explicit = await fromSSO({
      env: env(),
      now: () => NOW,
      ssoSession: 'corp',
      ssoStartUrl: 'https://corp.awsapps.com/start',
      ssoRegion: 'us-east-2',
      ssoAccountId: '123',
      ssoRoleName: 'Explicit',
    })()
    expect([explicit.accessKeyId, explicit.accountId]).toEqual(['ASIA-Explicit', '123'])
    const viaIni = await fromIni({ env: env(), profile: 'dev', now: () => NOW })()
    expect([viaIni.accessKeyId, viaIni.accountId]).toEqual(['ASIA-Dev', '111122223333'])
  })
})

// The SSO scenarios of smithy-rs: HOME is the scenario's fs/home, `fetch` answers with the recorded
// response after checking the request against the recording (method, URL with its query as a set,
// the bearer token).
describe('SSO scenarios (smithy-rs): endpoints, cache keys, errors', () => {
  const vectors = new URL('../../../shared/vectors/credentials/', import.meta.url)
  const load = async (path: string) => {
    const folder = new URL(`${path}/`, vectors)
    const read = async (name: string) => JSON.parse(await readFile(new URL(name, folder), 'utf8'))
    const traffic = await read('http-traffic.json')
    const request = traffic.events.find((e: any) => e.action.Request)?.action.Request.request
    const responseBody = traffic.events.find((e: any) => e.action.Data?.direction === 'Response')
      ?.action.Data.data.Utf8
    const fetchLike = async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input))
      const recorded = new URL(request.uri)
      expect(`${url.origin}${url.pathname}`).toBe(`${recorded.origin}${recorded.pathname}`)
      expect([...url.searchParams].sort()).toEqual([...recorded.searchParams].sort())
      expect(init?.method ?? 'GET').toBe(request.method)
      expect(new Headers(init?.headers).get('x-amz-sso_bearer_token')).toBe(
        request.headers['x-amz-sso_bearer_token'][0],
      )
      return new Response(responseBody, { status: 200 })
    }
    return {
      testCase: await read('test-case.json'),
      env: { ...(await read('env.json')), HOME: fileURLToPath(new URL('fs/home', folder)) },
      fetch: fetchLike as typeof fetch,
    }
  }

  it.each([
    'profile-provider/sso_credentials',
    'profile-provider/sso_override_global_env_url',
    'default-credential-provider-chain/sso_assume_role',
    'default-credential-provider-chain/e2e_fips_and_dual_stack_sso',
  ])('%s', async (path) => {
    const { testCase, env, fetch } = await load(path)
    const expected = testCase.result.Ok
    const now = () => (expected.expiry - 600) * 1000
    const credentials = await fromSSO({ env, fetch, now })()
    expect(credentials).toEqual({
      accessKeyId: expected.access_key_id,
      secretAccessKey: expected.secret_access_key,
      sessionToken: expected.session_token,
      expiration: new Date(expected.expiry * 1000),
      accountId: expected.account_id,
    })
  })

  it.each([
    ['profile-provider/sso_token', 'InvalidProfile'],
    ['profile-provider/invalid_sso_credentials_config', 'InvalidProfile'],
    ['default-credential-provider-chain/sso_no_token_file', 'SsoTokenMissing'],
  ])('%s', async (path, code) => {
    const { testCase, env, fetch } = await load(path)
    const error = await failure(fromSSO({ env, fetch })())
    expect(error.code).toBe(code)
    if (code === 'InvalidProfile') expect(error.message).toContain(testCase.result.ErrorContains)
    else
      expect(error.message).toContain(
        '/home/.aws/sso/cache/dace00cba5f8355ec9d274ceb2bcebdfbeed0e12.json'.slice(6),
      )
  })
})
