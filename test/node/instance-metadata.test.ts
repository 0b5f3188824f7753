import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { CredentialsError } from '../../src/node/errors.ts'
import { fromInstanceMetadata } from '../../src/node/instance-metadata.ts'
import { credentialsDocument, startMetadataServer, type SeenRequest } from './metadata-server.ts'

const inOneHour = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000)
const ROLE_PATH = '/latest/meta-data/iam/security-credentials/'
let servers: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})

interface Imds {
  token?: { status: number } | 'hang'
  role?: number
  document?: string
  failFirst?: number
}

// An IMDS on 127.0.0.1: IMDSv2 tokens, the role list, the role's credentials. Requests that carry
// no token are served only when `token` is not 200 (the IMDSv1 fallback).
const startImds = async (behaviour: Imds = {}) => {
  const expiration = inOneHour()
  let failures = behaviour.failFirst ?? 0
  const server = await startMetadataServer((request: SeenRequest) => {
    if (failures > 0) {
      failures--
      return { status: 503 }
    }
    if (request.method == 'PUT' && request.path == '/latest/api/token') {
      if (behaviour.token === 'hang') return 'hang'
      if (behaviour.token && behaviour.token.status != 200) return behaviour.token
      if (request.headers['x-aws-ec2-metadata-token-ttl-seconds'] != '21600') return { status: 400 }
      return { status: 200, body: 'imds-session-token' }
    }
    const v2 = behaviour.token === undefined
    if (v2 && request.headers['x-aws-ec2-metadata-token'] != 'imds-session-token')
      return { status: 401 }
    if (request.path == ROLE_PATH) {
      if (behaviour.role !== undefined) return { status: behaviour.role }
      return { status: 200, body: 'web-server-role\n' }
    }
    if (request.path == `${ROLE_PATH}web-server-role`)
      return {
        status: 200,
        body:
          behaviour.document ??
          credentialsDocument(expiration, { Code: 'Success', Type: 'AWS-HMAC' }),
      }
    return { status: 404 }
  })
  servers.push(server)
  return { ...server, expiration }
}

const run = (url: string, env: Record<string, string> = {}, extra = {}) =>
  fromInstanceMetadata({
    env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: url, ...env },
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' })
    },
    homedir: () => '/nonexistent',
    ...extra,
  })()

describe('fromInstanceMetadata against a local IMDS', () => {
  it('gets an IMDSv2 token, the role name, then its credentials', async () => {
    const imds = await startImds()
    const credentials = await run(imds.url)
    expect(credentials).toEqual({
      accessKeyId: 'ASIAMETADATAEXAMPLE',
      secretAccessKey: 'metadata/Secret+Key',
      sessionToken: 'metadata-session-token',
      expiration: imds.expiration,
    })
    expect(imds.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /latest/api/token',
      `GET ${ROLE_PATH}`,
      `GET ${ROLE_PATH}web-server-role`,
    ])
  })

  it.each([403, 404, 405])(
    'falls back to IMDSv1 when the token request answers %i',
    async (status) => {
      const imds = await startImds({ token: { status } })
      await expect(run(imds.url)).resolves.toMatchObject({ accessKeyId: 'ASIAMETADATAEXAMPLE' })
      expect(imds.requests.slice(1).map((r) => r.headers['x-aws-ec2-metadata-token'])).toEqual([
        undefined,
        undefined,
      ])
    },
  )

  it('falls back to IMDSv1 when the token request times out', async () => {
    const imds = await startImds({ token: 'hang' })
    // 300 ms per attempt: the hanging token request ends at once, the IMDSv1 requests have time.
    await expect(run(imds.url, {}, { timeoutMs: 300, maxRetries: 0 })).resolves.toMatchObject({
      accessKeyId: 'ASIAMETADATAEXAMPLE',
    })
  })

  it('does not fall back when AWS_EC2_METADATA_V1_DISABLED is true', async () => {
    const imds = await startImds({ token: { status: 403 } })
    const error = await run(imds.url, { AWS_EC2_METADATA_V1_DISABLED: 'true' }).catch((e) => e)
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error.code).toBe('EndpointUnreachable')
    expect(error.message).toContain('AWS_EC2_METADATA_V1_DISABLED')
    expect(imds.requests).toHaveLength(1)
  })

  it('does not fall back on 400: the token request was wrong', async () => {
    const imds = await startImds({ token: { status: 400 } })
    const error = await run(imds.url).catch((e) => e)
    expect(error).toMatchObject({ code: 'InvalidResponse', tryNextLink: false })
    expect(imds.requests).toHaveLength(1)
  })

  it('retries 503 answers', async () => {
    const imds = await startImds({ failFirst: 2 })
    await expect(run(imds.url)).resolves.toMatchObject({ accessKeyId: 'ASIAMETADATAEXAMPLE' })
    expect(imds.requests).toHaveLength(5)
  })

  it('reports an instance without a role as not configured', async () => {
    const imds = await startImds({ role: 404 })
    const error = await run(imds.url).catch((e) => e)
    expect(error).toMatchObject({ code: 'CredentialsNotFound', tryNextLink: true })
    expect(error.message).toContain('no IAM role')
  })

  it('rejects a document whose Code is not Success, quoting no secret', async () => {
    const imds = await startImds({
      document: JSON.stringify({ Code: 'Failure', SecretAccessKey: 'metadata/Secret+Key' }),
    })
    const error = await run(imds.url).catch((e) => e)
    expect(error.code).toBe('InvalidResponse')
    expect(error.message).toContain('Code Failure')
    expect(inspect(error)).not.toContain('metadata/Secret+Key')
  })

  it.each(['true', 'TRUE', '1'])(
    'is off when AWS_EC2_METADATA_DISABLED=%s, without a request',
    async (value) => {
      const imds = await startImds()
      const error = await run(imds.url, { AWS_EC2_METADATA_DISABLED: value }).catch((e) => e)
      expect(error).toMatchObject({ code: 'CredentialsNotFound', tryNextLink: true })
      expect(imds.requests).toHaveLength(0)
    },
  )

  it('is on when AWS_EC2_METADATA_DISABLED=false', async () => {
    const imds = await startImds()
    await expect(run(imds.url, { AWS_EC2_METADATA_DISABLED: 'false' })).resolves.toBeDefined()
  })

  it('reports a closed port as EndpointUnreachable, letting a chain go on', async () => {
    const imds = await startImds()
    await imds.close()
    servers = []
    const error = await run(imds.url).catch((e) => e)
    expect(error).toMatchObject({ code: 'EndpointUnreachable', tryNextLink: true })
    expect(error.message).toContain('AWS_EC2_METADATA_DISABLED')
  })

  it('takes the endpoint mode and endpoint from the profile', async () => {
    const imds = await startImds()
    const files: Record<string, string> = {
      '/home/.aws/config': `[profile dev]\nec2_metadata_service_endpoint = ${imds.url}\n`,
    }
    const credentials = await fromInstanceMetadata({
      env: { HOME: '/home', AWS_PROFILE: 'dev' },
      readFile: async (path) => {
        if (Object.hasOwn(files, path)) return files[path]!
        throw Object.assign(new Error('no file'), { code: 'ENOENT' })
      },
    })()
    expect(credentials.accessKeyId).toBe('ASIAMETADATAEXAMPLE')
  })
})
