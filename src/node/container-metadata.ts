// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import { CredentialsError } from './errors.ts'
import { exchange, isTransientStatus, NoAnswer, readCredentialsDocument } from './http.ts'
import type { Environment, SourceOptions } from './options.ts'
import {
  envValue,
  refreshOptionsOf,
  withDefaults,
  type NodeCredentialProvider,
} from './provider.ts'

/** Options of {@link fromContainerMetadata}. */
export interface ContainerMetadataOptions extends SourceOptions, RefreshOptions {
  /** Time limit of each attempt (default 1000 ms, as the AWS SDK v3). */
  timeoutMs?: number
  /** Attempts after the first one on no answer, HTTP 429 or 5xx (default 3, as the AWS SDK v3 `fromHttp`). */
  maxRetries?: number
  /** Cancels the request. */
  signal?: AbortSignal
}

/** The ECS task metadata host that `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is relative to. */
const ECS_HOST = 'http://169.254.170.2'

// Plain http is allowed only to endpoints on the machine or the link-local container agents: ECS
// (169.254.170.2) and EKS Pod Identity (169.254.170.23, fd00:ec2::23). The URL parser normalizes
// the host (IPv4 dotted form, IPv6 compressed in brackets), so these compare as strings.
const HTTP_HOSTS = new Set([
  'localhost',
  '[::1]',
  '169.254.170.2',
  '169.254.170.23',
  '[fd00:ec2::23]',
])
const isAllowedHttpHost = (hostname: string): boolean =>
  HTTP_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)

const invalidEndpoint = (message: string): CredentialsError =>
  new CredentialsError('InvalidEndpoint', `container credentials: ${message}`)

/**
 * The URL the container source calls, from the environment:
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2; it wins when both are set, as in
 * the cross-SDK test data) or `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https to any host; http only
 * to a loopback address, `localhost`, or the ECS and EKS Pod Identity agents). Throws a
 * {@link CredentialsError}: `CredentialsNotFound` (with `tryNextLink`) when neither is set,
 * `InvalidEndpoint` when the full URI is malformed or its host is not allowed.
 */
export const containerCredentialsUrl = (env: Environment): URL => {
  const relative = envValue(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')
  if (relative !== undefined) {
    if (!relative.startsWith('/'))
      throw invalidEndpoint('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with /')
    return new URL(ECS_HOST + relative)
  }
  const full = envValue(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI')
  if (full === undefined) {
    throw new CredentialsError(
      'CredentialsNotFound',
      'container credentials: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set',
      { tryNextLink: true },
    )
  }
  let url: URL
  try {
    url = new URL(full)
  } catch {
    throw invalidEndpoint(
      'AWS_CONTAINER_CREDENTIALS_FULL_URI must be an absolute URL such as http://127.0.0.1:8080/credentials (this URI did not specify a host)',
    )
  }
  if (url.protocol == 'https:') return url
  if (url.protocol != 'http:')
    throw invalidEndpoint('AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http or https URL')
  if (!isAllowedHttpHost(url.hostname)) {
    throw invalidEndpoint(
      `AWS_CONTAINER_CREDENTIALS_FULL_URI may use plain http only to a loopback address, localhost, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23], not ${url.hostname}: use https or one of those hosts`,
    )
  }
  return url
}

// The token as sent in the Authorization header: AWS_CONTAINER_AUTHORIZATION_TOKEN wins (as in the
// AWS SDK v3), else the file (EKS Pod Identity rotates it, so it is read for every attempt).
const authorizationToken = async (
  env: Environment,
  readFile: (path: string) => Promise<string>,
): Promise<string | undefined> => {
  const token = envValue(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN')
  if (token !== undefined) return token.trim()
  const file = envValue(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE')
  if (file === undefined) return undefined
  let text: string
  try {
    text = await readFile(file)
  } catch (error) {
    throw new CredentialsError(
      'CredentialsNotFound',
      `container credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names ${file}, which cannot be read (${(error as { code?: string }).code ?? 'error'})`,
      { cause: error },
    )
  }
  const trimmed = text.trim()
  if (/[\r\n]/.test(trimmed)) {
    throw invalidEndpoint(
      `the token in ${file} (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) must be one line`,
    )
  }
  return trimmed
}

/**
 * Credentials from the container endpoint: ECS task roles (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`),
 * EKS Pod Identity and other local agents (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN` or `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, the file read
 * again for every attempt). Each attempt has a short time limit; no answer, HTTP 429 and 5xx are
 * retried. Cached until 5 minutes before the credentials expire.
 *
 * Rejects with a {@link CredentialsError}: `CredentialsNotFound` (with `tryNextLink`) when no
 * variable is set, `InvalidEndpoint`, `EndpointUnreachable` (no answer after every attempt) or
 * `InvalidResponse` (an error status or a document without credentials).
 *
 * @example
 * const credentials = fromContainerMetadata()
 * const { accessKeyId } = await credentials()
 */
export const fromContainerMetadata = (
  options: ContainerMetadataOptions = {},
): NodeCredentialProvider => {
  const { env, readFile, fetch: fetchFunction } = withDefaults(options)
  const { timeoutMs = 1000, maxRetries = 3, signal } = options
  const get = async () => {
    const url = containerCredentialsUrl(env)
    let lastFailure = ''
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json' }
      const token = await authorizationToken(env, readFile)
      if (token !== undefined) headers.authorization = token
      let response
      try {
        response = await exchange(fetchFunction, url, { method: 'GET', headers }, timeoutMs, signal)
      } catch (error) {
        if (!(error instanceof NoAnswer) || error.reason == 'aborted') {
          throw new CredentialsError(
            'EndpointUnreachable',
            `container credentials: the request to ${url.origin} was aborted`,
            { cause: error },
          )
        }
        lastFailure =
          error.reason == 'timeout' ? `no answer within ${timeoutMs} ms` : 'the connection failed'
        continue
      }
      if (response.status == 200) {
        const credentials = readCredentialsDocument(response.body)
        if (typeof credentials == 'string') {
          throw new CredentialsError(
            'InvalidResponse',
            `container credentials: ${url.origin}${url.pathname} answered no credentials: ${credentials}`,
          )
        }
        return credentials
      }
      if (!isTransientStatus(response.status)) {
        throw new CredentialsError(
          'InvalidResponse',
          `container credentials: ${url.origin}${url.pathname} answered HTTP ${response.status}; check the URI and the authorization token`,
        )
      }
      lastFailure = `HTTP ${response.status}`
    }
    throw new CredentialsError(
      'EndpointUnreachable',
      `container credentials: ${url.origin}${url.pathname} did not answer after ${maxRetries + 1} attempts (${lastFailure}); check that the container agent is running`,
    )
  }
  return cachedProvider(get, refreshOptionsOf(options))
}
