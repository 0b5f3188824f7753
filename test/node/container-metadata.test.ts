import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  containerCredentialsUrl,
  fromContainerMetadata,
} from '../../src/node/container-metadata.ts'
import { CredentialsError } from '../../src/node/errors.ts'
import { credentialsDocument, startMetadataServer, type Answer } from './metadata-server.ts'

const inOneHour = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000)
let servers: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
})
const serve = async (handler: Parameters<typeof startMetadataServer>[0]) => {
  const server = await startMetadataServer(handler)
  servers.push(server)
  return server
}
const temporaryFile = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'container-token-')), 'token')
  writeFileSync(path, content)
  return path
}

describe('fromContainerMetadata against a local endpoint', () => {
  it('gets credentials from the full URI, with the account id', async () => {
    const expiration = inOneHour()
    const server = await serve(() => ({
      status: 200,
      body: credentialsDocument(expiration, { AccountId: '111122223333', RoleArn: 'arn:x' }),
    }))
    const credentials = await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/v1/credentials` },
    })()
    expect(credentials).toEqual({
      accessKeyId: 'ASIAMETADATAEXAMPLE',
      secretAccessKey: 'metadata/Secret+Key',
      sessionToken: 'metadata-session-token',
      expiration,
      accountId: '111122223333',
    })
    expect(server.requests).toMatchObject([
      { method: 'GET', path: '/v1/credentials', headers: { accept: 'application/json' } },
    ])
    expect(server.requests[0]!.headers.authorization).toBeUndefined()
  })

  it('calls 169.254.170.2 with the relative URI, query kept', async () => {
    const server = await serve(() => ({ status: 200, body: credentialsDocument(inOneHour()) }))
    const seen: string[] = []
    // Routes the link-local address to the local server, keeping path and query.
    const fetchFunction = ((input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input))
      seen.push(url.href)
      return fetch(`${server.url}${url.pathname}${url.search}`, init)
    }) as typeof fetch
    await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc?x=1' },
      fetch: fetchFunction,
    })()
    expect(seen).toEqual(['http://169.254.170.2/v2/credentials/abc?x=1'])
    expect(server.requests[0]!.path).toBe('/v2/credentials/abc?x=1')
  })

  it('reads the authorization token file again for every attempt (EKS Pod Identity rotates it)', async () => {
    const tokenFile = temporaryFile('first-token\n')
    const server = await serve(() => {
      if (server.requests.length == 1) {
        writeFileSync(tokenFile, 'second-token')
        return { status: 500 }
      }
      return { status: 200, body: credentialsDocument(inOneHour()) }
    })
    await fromContainerMetadata({
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      },
    })()
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      'first-token',
      'second-token',
    ])
  })

  it('prefers AWS_CONTAINER_AUTHORIZATION_TOKEN over the file, as the AWS SDK v3', async () => {
    const server = await serve(() => ({ status: 200, body: credentialsDocument(inOneHour()) }))
    await fromContainerMetadata({
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'from-env',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: temporaryFile('from-file'),
      },
    })()
    expect(server.requests[0]!.headers.authorization).toBe('from-env')
  })

  it('caches the credentials until the refresh window', async () => {
    const server = await serve(() => ({ status: 200, body: credentialsDocument(inOneHour()) }))
    const provider = fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/` },
    })
    await provider()
    await provider()
    expect(server.requests).toHaveLength(1)
  })

  it('retries 5xx and gives up with EndpointUnreachable after maxRetries', async () => {
    const server = await serve(() => ({ status: 503 }))
    const error = await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/` },
      maxRetries: 2,
    })().catch((e) => e)
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error).toMatchObject({ code: 'EndpointUnreachable', tryNextLink: false })
    expect(error.message).toContain('HTTP 503')
    expect(server.requests).toHaveLength(3)
  })

  it('times out each attempt: a silent endpoint fails within the time limits', async () => {
    const server = await serve(() => 'hang')
    const started = Date.now()
    const error = await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/` },
      timeoutMs: 100,
      maxRetries: 1,
    })().catch((e) => e)
    expect(error.code).toBe('EndpointUnreachable')
    expect(error.message).toContain('no answer within 100 ms')
    expect(server.requests).toHaveLength(2)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports a closed port as EndpointUnreachable', async () => {
    const server = await serve(() => ({ status: 200 }))
    const url = server.url
    await server.close()
    servers = []
    const error = await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/` },
      maxRetries: 0,
    })().catch((e) => e)
    expect(error.code).toBe('EndpointUnreachable')
    expect(error.message).toContain('check that the container agent is running')
  })

  it.each<[string, Answer]>([
    ['an error status', { status: 403, body: 'denied' }],
    ['a body that is not JSON', { status: 200, body: 'metadata/Secret+Key is not JSON' }],
    [
      'a document without a token',
      { status: 200, body: '{"AccessKeyId":"A","SecretAccessKey":"metadata/Secret+Key"}' },
    ],
  ])('rejects %s with InvalidResponse, quoting nothing of the body', async (_, answer) => {
    const server = await serve(() => answer)
    const error = await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/` },
    })().catch((e) => e)
    expect(error.code).toBe('InvalidResponse')
    expect(server.requests).toHaveLength(1)
    expect(`${error.message} ${inspect(error)}`).not.toContain('metadata/Secret+Key')
  })
})

describe('containerCredentialsUrl: the allowed-host rules', () => {
  it.each([
    'http://127.0.0.1/creds',
    'http://127.1.2.3:8080/creds',
    'http://localhost/creds',
    'http://[::1]:9000/creds',
    'http://169.254.170.2/creds',
    'http://169.254.170.23/v1/credentials',
    'http://[fd00:ec2::23]/v1/credentials',
    'https://credentials.example.com/creds',
  ])('allows %s', (uri) => {
    expect(containerCredentialsUrl({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri }).href).toBe(
      new URL(uri).href,
    )
  })

  it.each([
    'http://10.0.0.1/creds',
    'http://169.254.169.254/latest',
    'http://credentials.example.com/creds',
    'http://127.0.0.1.example.com/creds',
    'ftp://127.0.0.1/creds',
  ])('refuses %s with InvalidEndpoint saying what to use', (uri) => {
    const error = (() => {
      try {
        containerCredentialsUrl({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri })
      } catch (e) {
        return e as CredentialsError
      }
    })()
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error).toMatchObject({ code: 'InvalidEndpoint', tryNextLink: false })
    expect(error!.message).toMatch(/https|http or https/)
  })

  it('sends no request to a refused host', async () => {
    let called = false
    const error = await fromContainerMetadata({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.0.0.1/creds' },
      fetch: (async () => {
        called = true
        return new Response('{}')
      }) as typeof fetch,
    })().catch((e) => e)
    expect(error.code).toBe('InvalidEndpoint')
    expect(called).toBe(false)
  })
})
