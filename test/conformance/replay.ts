// Replays one cross-SDK credential scenario (the smithy-rs test-data layout) against
// fromNodeProviderChain: the file system from fs/, the environment from env.json, a fetch that
// answers from http-traffic.json in order, a fixed clock; the outcome is compared with
// test-case.json.
//
// Requests are matched on method, URL (query parameters as a set), the headers the Rust harness
// checks (x-aws-ec2-metadata-token, content-type) plus the SSO bearer token, and the form
// parameters of the body, not on the Rust SDK's signatures or user agents. A recorded form value
// that appears nowhere in the scenario's inputs (env.json and fs/) cannot be derived by any SDK
// (a session name made from the recording SDK's clock, or a recording that does not match its own
// configuration); such values are reported as notes instead of compared, and so is a difference in
// surrounding whitespace only.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import { fromNodeProviderChain } from '../../src/node/chain.ts'

/** What test-case.json expects. */
export type Expected =
  | {
      Ok: {
        access_key_id: string
        secret_access_key: string
        session_token?: string
        account_id?: string
        expiry?: number
      }
    }
  | { ErrorContains: string }

export interface ScenarioResult {
  name: string
  passed: boolean
  /** Why it failed (empty when it passed). */
  failures: string[]
  /** What could not be checked, and requests the recording has no answer for. */
  notes: string[]
  /** The error the chain rejected with (code and message), when it did. */
  error?: string
}

interface RecordedExchange {
  method: string
  uri: string
  headers: Record<string, string[]>
  requestBody: string
  status: number
  responseHeaders: Record<string, string[]>
  responseBody: string
}

/** A scenario folder holds test-case.json and env.json (its fs/ folder is data, never searched). */
export const findScenarios = (folder: string): string[] => {
  const names = readdirSync(folder)
  if (names.includes('test-case.json') && names.includes('env.json')) return [folder]
  return names
    .filter((name) => statSync(join(folder, name)).isDirectory())
    .sort()
    .flatMap((name) => findScenarios(join(folder, name)))
}

const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'))

// Every file under fs/, keyed by its absolute path in the scenario's file system.
const loadFiles = (root: string, prefix = '/'): Map<string, string> => {
  const files = new Map<string, string>()
  let names: string[] = []
  try {
    names = readdirSync(root)
  } catch {
    return files
  }
  for (const name of names) {
    const path = join(root, name)
    if (statSync(path).isDirectory()) {
      for (const [key, value] of loadFiles(path, `${prefix}${name}/`)) files.set(key, value)
    } else {
      files.set(`${prefix}${name}`, readFileSync(path, 'utf8'))
    }
  }
  return files
}

/** A `readFile` over an in-memory file system: absolute paths, rejects with code ENOENT. */
export const memoryReadFile =
  (files: Map<string, string>) =>
  async (path: string): Promise<string> => {
    const normalized = posix.resolve('/', path)
    const text = files.get(normalized) ?? files.get(path)
    if (text === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
        code: 'ENOENT',
      })
    }
    return text
  }

const dataText = (data: any): string => data?.Utf8 ?? (data?.Base64 ? atob(data.Base64) : '')

const loadTraffic = (path: string): RecordedExchange[] => {
  const byConnection = new Map<number, RecordedExchange>()
  const order: RecordedExchange[] = []
  for (const event of readJson(path).events ?? []) {
    const action = event.action
    let exchange = byConnection.get(event.connection_id)
    if (action.Request) {
      const request = action.Request.request
      exchange = {
        method: request.method,
        uri: request.uri,
        headers: request.headers ?? {},
        requestBody: '',
        status: 0,
        responseHeaders: {},
        responseBody: '',
      }
      byConnection.set(event.connection_id, exchange)
      order.push(exchange)
    } else if (exchange && action.Data) {
      if (action.Data.direction == 'Request') exchange.requestBody += dataText(action.Data.data)
      else exchange.responseBody += dataText(action.Data.data)
    } else if (exchange && action.Response) {
      const response = action.Response.response.Ok
      if (response) {
        exchange.status = response.status
        exchange.responseHeaders = response.headers ?? {}
      }
    }
  }
  return order
}

const lowerHeaders = (headers: Record<string, string[]>): Record<string, string> => {
  const result: Record<string, string> = {}
  for (const [name, values] of Object.entries(headers))
    result[name.toLowerCase()] = values.join(',')
  return result
}

const sortedQuery = (url: URL): string =>
  [...url.searchParams]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&')

const sameUrl = (recorded: string, sent: string): boolean => {
  const a = new URL(recorded)
  const b = new URL(sent)
  return a.origin == b.origin && a.pathname == b.pathname && sortedQuery(a) == sortedQuery(b)
}

// A parameter STS treats the same whether it is sent with this value or left out.
const SERVICE_DEFAULTS: Record<string, string> = { DurationSeconds: '3600' }

/** Builds the replaying fetch; `check` lists the mismatches and unanswered requests. */
export const replayFetch = (exchanges: RecordedExchange[], inputs: string) => {
  let next = 0
  const failures: string[] = []
  const notes: string[] = []
  const fetchFunction = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const body = request.method == 'GET' || request.method == 'HEAD' ? '' : await request.text()
    const recorded = exchanges[next]
    const label = `${request.method} ${request.url}`
    if (recorded === undefined) {
      notes.push(`request ${next + 1} has no recorded answer (a connection error): ${label}`)
      next++
      throw new TypeError('fetch failed: no recorded exchange')
    }
    next++
    const problems: string[] = []
    if (recorded.method != request.method || !sameUrl(recorded.uri, request.url))
      problems.push(`expected ${recorded.method} ${recorded.uri}`)
    const recordedHeaders = lowerHeaders(recorded.headers)
    for (const name of ['x-aws-ec2-metadata-token', 'x-amz-sso_bearer_token']) {
      if ((recordedHeaders[name] ?? null) !== request.headers.get(name))
        problems.push(`header ${name} differs`)
    }
    const recordedType = recordedHeaders['content-type']?.split(';')[0]
    const sentType = request.headers.get('content-type')?.split(';')[0]
    if (recordedType !== undefined && recordedType !== sentType)
      problems.push(`content-type ${sentType} instead of ${recordedType}`)
    if (recordedType == 'application/x-www-form-urlencoded')
      compareForm(recorded.requestBody, body, inputs, problems, notes)
    if (problems.length > 0) {
      failures.push(`request ${next}: ${label}: ${problems.join('; ')}`)
      throw new TypeError('fetch failed: the request does not match the recording')
    }
    const headers = new Headers()
    for (const [name, values] of Object.entries(recorded.responseHeaders)) {
      if (name.toLowerCase() != 'content-length') headers.set(name, values.join(','))
    }
    const nullBody = recorded.status == 204 || recorded.status == 304
    return new Response(nullBody ? null : recorded.responseBody, {
      status: recorded.status,
      headers,
    })
  }
  const unconsumed = () => exchanges.length - Math.min(next, exchanges.length)
  return { fetch: fetchFunction as typeof fetch, failures, notes, unconsumed }
}

const compareForm = (
  recordedBody: string,
  sentBody: string,
  inputs: string,
  problems: string[],
  notes: string[],
) => {
  const recorded = new URLSearchParams(recordedBody)
  const sent = new URLSearchParams(sentBody)
  for (const [name, value] of recorded) {
    const ours = sent.get(name)
    if (ours === null) problems.push(`form parameter ${name} missing`)
    else if (ours !== value) {
      // The recordings disagree on a token file's trailing newline (web_identity_token_env sends
      // it trimmed, web_identity_token_invalid_jwt as read): surrounding whitespace is not checked.
      if (ours.trim() === value.trim())
        notes.push(`form parameter ${name}: differs only in surrounding whitespace`)
      else if (inputs.includes(value)) problems.push(`form parameter ${name} differs`)
      else notes.push(`form parameter ${name}: the recorded value is not in the scenario's inputs`)
    }
  }
  for (const [name, value] of sent) {
    if (!recorded.has(name) && SERVICE_DEFAULTS[name] !== value)
      problems.push(`form parameter ${name} was not in the recorded request`)
  }
}

/**
 * What a Rust error text means in this package: the codes that stand for it. A phrase not listed
 * here passes only when the message contains it word for word.
 */
export const ERROR_MEANINGS: [phrase: string, codes: string[]][] = [
  // No source was configured: the chain's own error.
  ['provider was not enabled', ['CredentialsNotFound']],
  ['could not parse profile file', ['InvalidConfigFile']],
  ['will resolve an access token instead of credentials', ['InvalidProfile']],
  ['was specified but `role_arn` was missing', ['InvalidProfile']],
  ['failed to read `/home/.aws/sso/cache/', ['SsoTokenMissing']],
  ['external process exited with code', ['ProcessFailed']],
  ['could not parse response: invalid JSON', ['InvalidProcessOutput']],
  ['InvalidIdentityTokenException', ['InvalidIdentityToken']],
  // IMDS refused a token (403). The AWS SDK v3 then tries IMDSv1, which the recording has no
  // answer for: the endpoint does not answer.
  ['request forbidden: IMDS is disabled', ['EndpointUnreachable', 'CredentialsNotFound']],
]

const describeError = (error: any): string =>
  `${error?.name ?? 'Error'} ${error?.code ?? ''}: ${error?.message ?? String(error)}`

/**
 * The fixed clock of every scenario: 2009-02-13T00:00:00Z, before every expiry the scenarios hold
 * (the earliest, 1234567890, is the container and SSO credentials'), so that no source or cache
 * takes a recorded credential for an expired one.
 */
export const FIXED_NOW = Date.UTC(2009, 1, 13, 0, 0, 0)

const compareResult = (expected: Expected, outcome: any, failures: string[]) => {
  if ('Ok' in expected) {
    if (outcome.error !== undefined) {
      failures.push(`expected credentials, got ${describeError(outcome.error)}`)
      return
    }
    const ok = expected.Ok
    const got = outcome.credentials
    const pairs: [string, unknown, unknown][] = [
      ['access key id', ok.access_key_id, got.accessKeyId],
      ['secret access key', ok.secret_access_key, got.secretAccessKey],
      ['session token', ok.session_token, got.sessionToken],
      ['account id', ok.account_id, got.accountId],
      [
        'expiry',
        ok.expiry,
        got.expiration === undefined ? undefined : Math.floor(got.expiration.getTime() / 1000),
      ],
    ]
    for (const [what, want, have] of pairs) {
      if (want !== have) failures.push(`${what}: expected ${String(want)}, got ${String(have)}`)
    }
    return
  }
  const phrase = expected.ErrorContains
  if (outcome.error === undefined) {
    failures.push(`expected an error containing "${phrase}", got credentials`)
    return
  }
  const meaning = ERROR_MEANINGS.find(([known]) => phrase.includes(known))
  const error = outcome.error
  if (meaning) {
    if (!meaning[1].includes(error?.code))
      failures.push(
        `expected code ${meaning[1].join(' or ')} ("${phrase}"), got ${describeError(error)}`,
      )
  } else if (!String(error?.message).includes(phrase)) {
    failures.push(`expected an error containing "${phrase}", got ${describeError(error)}`)
  }
}

/** Runs one scenario folder. */
export const runScenario = async (folder: string, name = folder): Promise<ScenarioResult> => {
  const env: Record<string, string> = readJson(join(folder, 'env.json'))
  const expected: Expected = readJson(join(folder, 'test-case.json')).result
  const files = loadFiles(join(folder, 'fs'))
  const inputs = [...Object.values(env), ...files.values()].join('\n')
  let exchanges: RecordedExchange[] = []
  try {
    exchanges = loadTraffic(join(folder, 'http-traffic.json'))
  } catch {}
  const replay = replayFetch(exchanges, inputs)
  const outcome: { credentials?: any; error?: unknown } = {}
  try {
    const provider = fromNodeProviderChain({
      env,
      readFile: memoryReadFile(files),
      fetch: replay.fetch,
      now: () => FIXED_NOW,
      homedir: () => env.HOME ?? '/home',
    })
    outcome.credentials = await provider()
  } catch (error) {
    outcome.error = error
  }
  const failures = [...replay.failures]
  compareResult(expected, outcome, failures)
  if ('Ok' in expected && replay.unconsumed() > 0)
    failures.push(`${replay.unconsumed()} recorded exchange(s) were never requested`)
  const result: ScenarioResult = {
    name,
    passed: failures.length == 0,
    failures,
    notes: replay.notes,
  }
  if (outcome.error !== undefined) result.error = describeError(outcome.error)
  return result
}
