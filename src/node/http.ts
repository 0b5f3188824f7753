// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// One HTTP exchange with a metadata endpoint (container or instance): a short time limit per
// attempt, the caller's signal honoured, the body read inside the time limit and size-capped.

/** What a metadata endpoint answered. */
export interface MetadataResponse {
  status: number
  body: string
}

/** Why an attempt got no answer: `timeout`, `aborted` or `network`. */
export class NoAnswer extends Error {
  readonly reason: 'timeout' | 'aborted' | 'network'
  constructor(reason: 'timeout' | 'aborted' | 'network', options?: { cause?: unknown }) {
    super(`no answer (${reason})`, options)
    this.reason = reason
  }
}

// Credentials documents are under 2 KiB; anything far larger is not a metadata endpoint.
const MAX_BODY_BYTES = 65536

const readCapped = async (response: Response): Promise<string> => {
  const length = Number(response.headers.get('content-length'))
  if (length > MAX_BODY_BYTES) throw new RangeError('response too large')
  const text = await response.text()
  if (text.length > MAX_BODY_BYTES) throw new RangeError('response too large')
  return text
}

/** Sends one request; rejects with {@link NoAnswer} when nothing complete came back in time. */
export const exchange = async (
  fetchFunction: typeof fetch,
  url: URL,
  init: { method: string; headers: Record<string, string> },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<MetadataResponse> => {
  if (signal?.aborted) throw new NoAnswer('aborted', { cause: signal.reason })
  const controller = new AbortController()
  const stop = () => controller.abort()
  const timer = setTimeout(stop, timeoutMs)
  signal?.addEventListener('abort', stop)
  try {
    const response = await fetchFunction(url.href, { ...init, signal: controller.signal })
    const body = await readCapped(response)
    return { status: response.status, body }
  } catch (error) {
    if (signal?.aborted) throw new NoAnswer('aborted', { cause: signal.reason })
    if (controller.signal.aborted) throw new NoAnswer('timeout')
    throw new NoAnswer('network', { cause: error })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', stop)
  }
}

/** Whether a status is worth another attempt: throttling and server faults. */
export const isTransientStatus = (status: number): boolean => status == 429 || status >= 500

/** The credentials a metadata endpoint hands out (always temporary: with a session token). */
export interface MetadataCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration?: Date
  accountId?: string
}

const stringField = (document: Record<string, unknown>, name: string): string | undefined => {
  if (!Object.hasOwn(document, name)) return undefined
  const value = document[name]
  return typeof value == 'string' && value !== '' ? value : undefined
}

/**
 * Reads the credentials document of a container or instance endpoint
 * (`{ AccessKeyId, SecretAccessKey, Token, Expiration, AccountId? }`). Returns a description of
 * what is wrong instead of throwing, so the caller names its endpoint; never quotes the body.
 */
export const readCredentialsDocument = (body: string): MetadataCredentials | string => {
  let document: unknown
  try {
    document = JSON.parse(body)
  } catch {
    return 'the answer is not JSON'
  }
  if (typeof document != 'object' || document === null || Array.isArray(document))
    return 'the answer is not a JSON object'
  const fields = document as Record<string, unknown>
  const accessKeyId = stringField(fields, 'AccessKeyId')
  const secretAccessKey = stringField(fields, 'SecretAccessKey')
  const sessionToken = stringField(fields, 'Token')
  if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined)
    return 'the answer lacks AccessKeyId, SecretAccessKey or Token'
  const credentials: MetadataCredentials = {
    accessKeyId,
    secretAccessKey,
    sessionToken,
  }
  const expiration = stringField(fields, 'Expiration')
  if (expiration !== undefined) {
    const date = new Date(expiration)
    if (Number.isNaN(date.getTime())) return 'its Expiration is not a date'
    credentials.expiration = date
  }
  const accountId = stringField(fields, 'AccountId')
  if (accountId !== undefined) credentials.accountId = accountId
  return credentials
}
