// Differential fuzz: the current sources against the sources as they were before the core rewrite
// (test/baseline/, a verbatim copy of src/*.ts at that commit, the CLI aside). Generated inputs go
// through both: validation inputs of every operation (with the wire request they produce), XML
// documents whole and chunked, signRequest/presignUrl requests, endpoint configs. Outcomes are
// compared, not wording: accepted or rejected, error class and code, the (param, rule) of every
// validation issue, output values, the bytes sent. The only differences allowed are the intended
// ones, each named in ALLOWED below with the issue defect it comes from; any other difference fails
// with the seed that reproduces it. Count per area: DIFF_FUZZ_CASES (default 400).
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as now from '../src/index.ts'
import { readStsXml as readNow } from '../src/xml.ts'
import * as old from './baseline/index.ts'
import { readStsXml as readOld } from './baseline/xml.ts'

const CASES = Number(process.env.DIFF_FUZZ_CASES ?? 400)
const TIME_LIMIT = Math.max(60_000, CASES * 100)

// mulberry32: a seeded PRNG, so a failing case is reproduced from its seed.
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
type Random = ReturnType<typeof tools>
const tools = (seed: number) => {
  const r = rng(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!
  const int = (n: number) => Math.floor(r() * n)
  const chance = (p: number) => r() < p
  const text = (max: number, alphabet: readonly string[]) =>
    Array.from({ length: int(max + 1) }, () => pick(alphabet)).join('')
  return { r, pick, int, chance, text }
}

// Names every object inherits: the class of defect 1 (a name looked up with `in` finds these).
const INHERITED = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']

// ---- outcomes ---------------------------------------------------------------------------------

type Build = typeof now | typeof old
type Outcome =
  | { ok: unknown; wire?: unknown }
  | {
      error: string
      code?: string
      issues?: string[]
      status?: number
      requestId?: string
      type?: string
      retryable?: boolean
      message?: string
    }

// Server-given messages are data (compared); the package's own messages are wording (not compared).
const OWN_CODES = /^(InvalidResponse|ResponseTooLarge|NetworkError|TimeoutError|AbortError)$/
const errorOutcome = (build: Build, e: unknown): Outcome => {
  if (e instanceof build.StsValidationError)
    return {
      error: 'StsValidationError',
      code: e.code,
      issues: e.issues.map((i) => `${i.param} | ${i.rule}`).sort(),
    }
  if (e instanceof build.StsError)
    return {
      error: 'StsError',
      code: e.code,
      status: e.status,
      requestId: e.requestId,
      type: e.type,
      retryable: e.retryable,
      ...(OWN_CODES.test(e.code) ? {} : { message: e.message }),
    }
  if (e instanceof build.EdgeStsError) return { error: 'EdgeStsError', code: e.code }
  return { error: `foreign: ${String(e)}` }
}
// Plain data for comparison: Dates as ISO strings, keys whose value is undefined dropped (defect 9:
// outputs no longer carry explicit undefined keys, so an absent key and an undefined one are alike).
const plain = (v: unknown): unknown => {
  if (v instanceof Date) return isNaN(+v) ? 'Invalid Date' : v.toISOString()
  if (v instanceof Uint8Array) return { bytes: [...v] }
  if (Array.isArray(v)) return v.map(plain)
  if (v && typeof v == 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x)
    return out
  }
  return v
}
const outcomeOf = async (
  build: Build,
  run: () => Promise<unknown>,
  wire?: () => unknown,
): Promise<Outcome> => {
  try {
    const ok = plain(await run())
    return wire ? { ok, wire: wire() } : { ok }
  } catch (e) {
    return errorOutcome(build, e)
  }
}

// ---- allowed differences ----------------------------------------------------------------------

type Tags = Set<string>
const issuesOf = (o: Outcome) => ('issues' in o ? (o.issues ?? []) : [])
const rejected = (o: Outcome) => 'error' in o && o.error == 'StsValidationError'
const paramOf = (issue: string) => issue.split(' | ')[0]!
const under = (param: string, root: string) =>
  param == root || param.startsWith(root + '.') || param.startsWith(root + '[')

/**
 * The intended differences in validation, one issue at a time: an issue that only one side reports
 * is allowed when one of these explains it (several may meet in one case: a wrong type and an
 * inherited name). Each names the issue 15 defect it comes from.
 */
const ISSUE_CHANGES: {
  name: string
  explains: (tags: Tags, issue: string, side: 'added' | 'dropped') => boolean
}[] = [
  {
    // Defect 1: `constructor: 'x'` in an input passed validation and reached the wire.
    name: 'issue 15 defect 1: inherited names in an input are unknown parameters',
    explains: (tags, issue, side) =>
      side == 'added' &&
      tags.has('inherited-input-key') &&
      INHERITED.some((name) => under(paramOf(issue), name)),
  },
  {
    // Defect 7: a value of the wrong type read as a range or length error (or as its parts' errors).
    name: 'issue 15 defect 7: a value of the wrong type is reported as a type error',
    explains: (tags, issue) =>
      [...tags].some(
        (tag) =>
          tag.startsWith('wrong-type:') && under(paramOf(issue), tag.slice('wrong-type:'.length)),
      ),
  },
  {
    // Defects 6 and 7 on configs: unknown config keys and mistyped config values were ignored.
    name: 'issue 15 defects 6 and 7: unknown or mistyped config keys are rejected',
    explains: (tags, _issue, side) =>
      side == 'added' && (tags.has('unknown-config-key') || tags.has('mistyped-config')),
  },
  {
    // Defects 6, 7 and 10: a config is checked as a whole, like an input, before its endpoint is
    // resolved; where several options are broken, another of them may be the one reported.
    name: 'issue 15 defects 6, 7, 10: config options checked together, before the endpoint',
    explains: (tags, issue) => tags.has(`invalid-config:${paramOf(issue).split(/[.[(]/)[0]}`),
  },
  {
    // Defect 8: STS-shaped (PascalCase) credentials or a provider function given to the signer.
    name: 'issue 15 defect 8: the signer names the credentials mistake',
    explains: (tags, issue) =>
      tags.has('credentials-mistake') && under(paramOf(issue), 'credentials'),
  },
]

/** Intended differences of whole outcomes (not validation issues). */
const OUTCOME_CHANGES: {
  name: string
  applies: (tags: Tags, before: Outcome, after: Outcome) => boolean
}[] = [
  {
    // Defect 1, presign half: `?constructor=1` was dropped from the presigned URL.
    name: 'issue 15 defect 1: presignUrl keeps query parameters with inherited names',
    applies: (tags, before, after) => {
      if (!tags.has('inherited-query-name') || !('ok' in before) || !('ok' in after)) return false
      const params = (o: Outcome) =>
        [...new URL((o as { ok: string }).ok).searchParams]
          .filter(([k]) => k != 'X-Amz-Signature')
          .map(([k, v]) => `${k}=${v}`)
          .sort()
      const kept = params(after).filter((p) => !params(before).includes(p))
      return (
        params(before).every((p) => params(after).includes(p)) &&
        kept.length > 0 &&
        kept.every((p) => INHERITED.includes(p.split('=')[0]!))
      )
    },
  },
]

/** The names of the changes that explain a difference, or undefined when something is unexplained. */
const explain = (tags: Tags, before: Outcome, after: Outcome): string[] | undefined => {
  const whole = OUTCOME_CHANGES.find((change) => change.applies(tags, before, after))
  if (whole) return [whole.name]
  // Otherwise the new side rejects the input and every issue only one side has is explained (when
  // the old side went on to send the request, every new issue is one it lacked).
  if (!rejected(after)) return undefined
  const names: string[] = []
  const sides: ['added' | 'dropped', string[]][] = [
    ['added', issuesOf(after).filter((i) => !issuesOf(before).includes(i))],
    ['dropped', issuesOf(before).filter((i) => !issuesOf(after).includes(i))],
  ]
  for (const [side, issues] of sides)
    for (const issue of issues) {
      const change = ISSUE_CHANGES.find((c) => c.explains(tags, issue, side))
      if (!change) return undefined
      names.push(change.name)
    }
  return names
}

const seen = new Map<string, number>()
// Outcomes per area (accepted, or the error code): shows the generators reach both sides.
const tally = new Map<string, number>()
const compare = (area: string, seed: number, tags: Tags, before: Outcome, after: Outcome) => {
  const kind = `${area.split(' ')[0]}: ${'ok' in before ? 'ok' : before.code}`
  tally.set(kind, (tally.get(kind) ?? 0) + 1)
  if (JSON.stringify(before) === JSON.stringify(after)) return
  const names = explain(tags, before, after)
  if (names) {
    for (const name of new Set(names)) seen.set(name, (seen.get(name) ?? 0) + 1)
    return
  }
  expect({ area, seed, tags: [...tags], after }).toEqual({
    area,
    seed,
    tags: [...tags],
    after: before,
  })
}

// ---- generators: operation inputs -------------------------------------------------------------

const ARN_OK = [...'abcXYZ019:/-_+=,.@ ']
const NAME_OK = [...'abcXYZ019_+=,.@-']
const ODD = [...' /*#\t\n\u0000\u00e9\u4e2d😀\ud800<&"\'']
const lengths = [0, 1, 2, 3, 4, 5, 6, 9, 12, 16, 20, 32, 33, 64, 65, 128, 129, 257, 2049]

const stringOf = (g: Random, kind: string): string => {
  const odd = g.chance(0.15)
  const base = kind == 'arn' ? ARN_OK : NAME_OK
  const n = g.pick(lengths)
  let s = Array.from({ length: n }, () => (odd && g.chance(0.2) ? g.pick(ODD) : g.pick(base))).join(
    '',
  )
  if (kind == 'arn' && g.chance(0.8)) s = 'arn:aws:iam::123456789012:role/' + s.slice(0, 40)
  if (kind == 'code') s = g.chance(0.7) ? String(100000 + g.int(900000)) : s.slice(0, 7)
  if (kind == 'serial' && g.chance(0.7)) s = 'arn:aws:iam::123456789012:mfa/' + s.slice(0, 20)
  if (kind == 'policy' && g.chance(0.5)) s = '{"Version":"2012-10-17"}' + s
  return s
}
const NUMBERS = [0, 1, 59, 60, 899, 900, 901, 3600, 3601, 4096, 4097, 43200, 43201, 129600, 129601]
const numberOf = (g: Random): unknown =>
  g.chance(0.9) ? g.pick(NUMBERS) : g.pick([-1, 1.5, NaN, Infinity, 2 ** 53])
const WRONG = [true, {}, [], 7, '900', 'x', 0n] as const
const wrongOf = (g: Random, expect: 'string' | 'number' | 'array' | 'object') => {
  const options = WRONG.filter((w) => {
    if (expect == 'array') return !Array.isArray(w)
    if (expect == 'object') return typeof w != 'object' || Array.isArray(w)
    return typeof w != expect
  })
  return g.pick(options)
}

type Field =
  | 'arn'
  | 'name'
  | 'str'
  | 'policy'
  | 'serial'
  | 'code'
  | 'int'
  | 'arns'
  | 'tags'
  | 'keys'
  | 'contexts'
  | 'taskArn'
  | 'audience'
  | 'algorithm'
  | 'mode'
type OperationSpec = { fn: string; required: string[]; fields: Record<string, Field> }
const OPERATIONS: OperationSpec[] = [
  {
    fn: 'assumeRole',
    required: ['RoleArn', 'RoleSessionName'],
    fields: {
      RoleArn: 'arn',
      RoleSessionName: 'name',
      PolicyArns: 'arns',
      Policy: 'policy',
      DurationSeconds: 'int',
      Tags: 'tags',
      TransitiveTagKeys: 'keys',
      ExternalId: 'str',
      SerialNumber: 'serial',
      TokenCode: 'code',
      SourceIdentity: 'name',
      ProvidedContexts: 'contexts',
      MinimumSessionTokenSize: 'int',
    },
  },
  {
    fn: 'assumeRoleWithWebIdentity',
    required: ['RoleArn', 'RoleSessionName', 'WebIdentityToken'],
    fields: {
      RoleArn: 'arn',
      RoleSessionName: 'name',
      WebIdentityToken: 'str',
      ProviderId: 'str',
      PolicyArns: 'arns',
      Policy: 'policy',
      DurationSeconds: 'int',
      MinimumSessionTokenSize: 'int',
    },
  },
  {
    fn: 'assumeRoleWithSAML',
    required: ['RoleArn', 'PrincipalArn', 'SAMLAssertion'],
    fields: {
      RoleArn: 'arn',
      PrincipalArn: 'arn',
      SAMLAssertion: 'str',
      PolicyArns: 'arns',
      Policy: 'policy',
      DurationSeconds: 'int',
      MinimumSessionTokenSize: 'int',
    },
  },
  {
    fn: 'getSessionToken',
    required: [],
    fields: {
      DurationSeconds: 'int',
      SerialNumber: 'serial',
      TokenCode: 'code',
      MinimumSessionTokenSize: 'int',
    },
  },
  {
    fn: 'getFederationToken',
    required: ['Name'],
    fields: {
      Name: 'name',
      Policy: 'policy',
      PolicyArns: 'arns',
      DurationSeconds: 'int',
      Tags: 'tags',
      MinimumSessionTokenSize: 'int',
    },
  },
  {
    fn: 'assumeRoot',
    required: ['TargetPrincipal', 'TaskPolicyArn'],
    fields: {
      TargetPrincipal: 'str',
      TaskPolicyArn: 'taskArn',
      DurationSeconds: 'int',
      MinimumSessionTokenSize: 'int',
    },
  },
  { fn: 'getAccessKeyInfo', required: ['AccessKeyId'], fields: { AccessKeyId: 'name' } },
  {
    fn: 'decodeAuthorizationMessage',
    required: ['EncodedMessage'],
    fields: { EncodedMessage: 'str' },
  },
  {
    fn: 'getScopedCredentials',
    required: [],
    fields: {
      Policy: 'policy',
      DurationSeconds: 'int',
      MinimumSessionTokenSize: 'int',
      ScopedSessionDescription: 'str',
    },
  },
  { fn: 'getDelegatedAccessToken', required: ['TradeInToken'], fields: { TradeInToken: 'str' } },
  {
    fn: 'getWebIdentityToken',
    required: ['Audience', 'SigningAlgorithm'],
    fields: {
      Audience: 'audience',
      DurationSeconds: 'int',
      SigningAlgorithm: 'algorithm',
      Scope: 'str',
      SubjectMode: 'mode',
      Tags: 'tags',
    },
  },
]
const ACTION: Record<string, string> = {
  assumeRole: 'AssumeRole',
  assumeRoleWithWebIdentity: 'AssumeRoleWithWebIdentity',
  assumeRoleWithSAML: 'AssumeRoleWithSAML',
  getSessionToken: 'GetSessionToken',
  getFederationToken: 'GetFederationToken',
  assumeRoot: 'AssumeRoot',
  getAccessKeyInfo: 'GetAccessKeyInfo',
  decodeAuthorizationMessage: 'DecodeAuthorizationMessage',
  getScopedCredentials: 'GetScopedCredentials',
  getDelegatedAccessToken: 'GetDelegatedAccessToken',
  getWebIdentityToken: 'GetWebIdentityToken',
  getCallerIdentity: 'GetCallerIdentity',
}

const listOf = (g: Random, item: () => unknown) =>
  Array.from({ length: g.pick([0, 1, 1, 2, 3, 5, 11, 51]) }, item)

const valueOf = (g: Random, field: Field, param: string, tags: Tags): unknown => {
  const expected: Record<Field, 'string' | 'number' | 'array' | 'object'> = {
    arn: 'string',
    name: 'string',
    str: 'string',
    policy: 'string',
    serial: 'string',
    code: 'string',
    int: 'number',
    arns: 'array',
    tags: 'array',
    keys: 'array',
    contexts: 'array',
    taskArn: 'object',
    audience: 'array',
    algorithm: 'string',
    mode: 'string',
  }
  if (g.chance(0.05)) {
    tags.add(`wrong-type:${param}`)
    return wrongOf(g, expected[field])
  }
  const tag = () => ({
    Key: g.chance(0.2) ? 'Team' : stringOf(g, 'name').slice(0, 130),
    Value: stringOf(g, 'name').slice(0, 260),
  })
  switch (field) {
    case 'int':
      return numberOf(g)
    case 'arns':
      return listOf(g, () => (g.chance(0.9) ? { arn: stringOf(g, 'arn') } : {}))
    case 'tags':
      return listOf(g, () => (g.chance(0.9) ? tag() : { Key: 'k' }))
    case 'keys':
      return listOf(g, () => stringOf(g, 'name').slice(0, 130))
    case 'contexts':
      return listOf(g, () => ({
        ProviderArn: stringOf(g, 'arn'),
        ContextAssertion: stringOf(g, 'str'),
      }))
    case 'taskArn':
      return { arn: stringOf(g, 'arn') }
    case 'audience':
      return listOf(g, () => stringOf(g, 'name'))
    case 'algorithm':
      return g.pick(['RS256', 'ES384', 'HS256', ''])
    case 'mode':
      return g.pick(['AWSIdentity', 'OriginIdentity', 'Other'])
    default:
      return stringOf(g, field)
  }
}

const inputOf = (g: Random, spec: OperationSpec, tags: Tags): unknown => {
  if (g.chance(0.02)) return g.pick([null, undefined, 'input', 5, []])
  const input: Record<string, unknown> = {}
  for (const [param, field] of Object.entries(spec.fields)) {
    const wanted = spec.required.includes(param) ? g.chance(0.93) : g.chance(0.35)
    if (wanted) input[param] = valueOf(g, field, param, tags)
  }
  if (g.chance(0.06)) input[g.pick(['Foo', 'roleArn', 'durationSeconds'])] = 'x'
  if (g.chance(0.08)) {
    tags.add('inherited-input-key')
    // An own property, enumerable like any other key (`__proto__` as JSON.parse makes it).
    Object.defineProperty(input, g.pick(INHERITED), {
      value: 'x',
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return input
}

// ---- the fetch stub and the fixed clock -------------------------------------------------------

const fixtures = new URL('./fixtures/', import.meta.url)
const fixture = (action: string) => readFileSync(new URL(`${action}.xml`, fixtures))
type Wire = { url: string; method?: string; headers: [string, string][]; body?: string }
const stub = (action: string) => {
  const state: { wire?: Wire } = {}
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    state.wire = {
      url: String(url),
      method: init?.method,
      headers: [...new Headers(init?.headers)].sort(),
      body: typeof init?.body == 'string' ? init.body : String(init?.body),
    }
    return new Response(fixture(action), {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'fuzz-request-id' },
    })
  }
  return { fetch: fetch as typeof globalThis.fetch, wire: () => state.wire }
}
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-06-01T12:34:56Z'))
})
afterAll(() => {
  vi.useRealTimers()
  // Which intended differences the generated cases reached (for whoever reads the log).
  console.log('differential fuzz, outcomes of the build before:', Object.fromEntries(tally))
  console.log('differential fuzz, allowed differences met:', Object.fromEntries(seen))
})

const callBoth = async (
  fn: string,
  input: unknown,
  config: (build: 'old' | 'now') => Record<string, unknown>,
) => {
  const run = async (build: Build, which: 'old' | 'now') => {
    const s = stub(ACTION[fn]!)
    const f = (build as any)[fn] as (...args: unknown[]) => Promise<unknown>
    const cfg = { ...config(which), fetch: s.fetch }
    return outcomeOf(build, () => (fn == 'getCallerIdentity' ? f(cfg) : f(input, cfg)), s.wire)
  }
  return [await run(old, 'old'), await run(now, 'now')] as const
}

describe('differential fuzz against the build before the core rewrite', () => {
  // Found by this fuzz after merging the client rewrite (aws-global returned before the FIPS check)
  // and fixed: the global endpoint has no FIPS variant, so the call is rejected, as before.
  it('rejects aws-global with useFipsEndpoint, as before', async () => {
    const config = { region: 'aws-global', useFipsEndpoint: true, credentials: CREDENTIALS }
    const [before, after] = await callBoth('getCallerIdentity', {}, () => config)
    expect(rejected(before)).toBe(true)
    expect(after).toEqual(before)
  })

  it(
    'validation and the wire request: generated inputs of every operation',
    async () => {
      for (let seed = 1; seed <= CASES * 3; seed++) {
        const g = tools(seed)
        const spec = g.pick(OPERATIONS)
        const tags: Tags = new Set()
        const input = inputOf(g, spec, tags)
        const token = g.chance(0.3) ? { sessionToken: 'IQoJb3JpZ2luX2Vj+/=' + seed } : {}
        const [before, after] = await callBoth(spec.fn, input, () => ({
          credentials: { ...CREDENTIALS, ...token },
          region: 'eu-west-1',
          maxAttempts: 1,
        }))
        compare(`input of ${spec.fn}`, seed, tags, before, after)
      }
    },
    TIME_LIMIT,
  )

  it(
    'endpoint and call configs',
    async () => {
      const REGIONS = [
        'us-east-1',
        'eu-west-1',
        'cn-north-1',
        'us-gov-west-1',
        'us-east-2',
        'aws-global',
        'US-EAST-1',
        'us_east_1',
        '',
        undefined,
      ]
      const ENDPOINTS = [
        undefined,
        'https://sts.amazonaws.com',
        'https://sts.eu-central-1.amazonaws.com/',
        'https://sts-fips.us-east-2.amazonaws.com',
        'https://sts.cn-north-1.amazonaws.com.cn',
        'http://127.0.0.1:4566',
        'https://vpce-1.sts.us-east-1.vpce.amazonaws.com/some/path/',
        'https://sts.us-east-1.amazonaws.com/?x=1',
        'ftp://sts.amazonaws.com',
        'not a url',
        new URL('https://sts.ap-south-1.amazonaws.com/'),
      ]
      for (let seed = 1; seed <= CASES; seed++) {
        const g = tools(seed)
        const tags: Tags = new Set()
        const config: Record<string, unknown> = { credentials: CREDENTIALS }
        // Picks a valid value, or (tagged) one that may break a rule alone or with another option.
        const set = (
          key: string,
          valid: readonly unknown[],
          invalid: readonly unknown[],
          p: number,
        ) => {
          const value = g.chance(p) ? g.pick(valid) : g.pick(invalid)
          if (!valid.includes(value)) tags.add(`invalid-config:${key}`)
          if (value !== undefined) config[key] = value
        }
        set('region', REGIONS.slice(0, 6), REGIONS, 0.8)
        set('endpoint', [undefined], ENDPOINTS.slice(0, g.chance(0.8) ? 7 : 11), 0.5)
        set('useFipsEndpoint', [undefined, false], [true], 0.75)
        set('maxAttempts', [undefined, 1, 3], [0, 11, 1.5], 0.9)
        set('timeoutMs', [undefined, 1000], [0, -1], 0.9)
        set('maxResponseBytes', [undefined, 65536], [100], 0.9)
        if (g.chance(0.05)) {
          tags.add('mistyped-config')
          config.timeoutMs = '5000'
        }
        if (g.chance(0.05)) {
          tags.add('unknown-config-key')
          config[g.pick(['timeout', 'requestHandler', 'Region'])] = 1000
        }
        const fn = g.pick(['getCallerIdentity', 'assumeRole'])
        const input = { RoleArn: 'arn:aws:iam::123456789012:role/demo', RoleSessionName: 'fuzz' }
        const [before, after] = await callBoth(fn, input, () => ({ ...config }))
        compare(`config of ${fn}`, seed, tags, before, after)
      }
    },
    TIME_LIMIT,
  )
})

// ---- generators: XML documents ----------------------------------------------------------------

const vectors = new URL('../../shared/vectors/sts/', import.meta.url)
const index = JSON.parse(readFileSync(new URL('index.json', vectors), 'utf8')) as {
  samples: { file: string }[]
}
const DOCUMENTS: [string, string][] = [
  ...Object.keys(ACTION).map((fn): [string, string] => [
    ACTION[fn]!,
    fixture(ACTION[fn]!).toString('utf8'),
  ]),
  ...index.samples.map((s): [string, string] => {
    const action = /^get-caller-identity/.test(s.file)
      ? 'GetCallerIdentity'
      : /^get-session-token/.test(s.file)
        ? 'GetSessionToken'
        : /with-web-identity|identity-token/.test(s.file)
          ? 'AssumeRoleWithWebIdentity'
          : 'AssumeRole'
    return [action, readFileSync(new URL(s.file, vectors), 'utf8')]
  }),
]
const SNIPPETS = [
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x41;',
  '&#x1F600;',
  '&#0;',
  '&#x110000;',
  '&#xD800;',
  '&foo;',
  '&constructor;',
  '&',
  '<![CDATA[a<b]]>',
  '<![CDATA[',
  ']]>',
  '<!-- c -->',
  '<?pi x?>',
  '<',
  '>',
  '</x>',
  '<x/>',
  '<x>1</x>',
  '<!DOCTYPE a>',
  ' ',
  '\n',
  '\t',
  'é',
  '😀',
  '<Credentials>',
  '</Credentials>',
  '<AccessKeyId>AKID2</AccessKeyId>',
  '<RequestId>r2</RequestId>',
  '<Code>Throttling</Code>',
  '<x a="/"/>',
  '<x\u00a0/>',
  '<x\u2028>',
  '</x >',
  '</x/>',
  '<x/ >',
  '<:x>',
  '<1x>',
  '<a:b:c>',
  '<a.b-c_d:e.f>',
  '<?x',
  '<!--',
  '<!--->',
  '<?>',
  '<??>',
  '<![CDATA[x]]]>',
  '<x a="<">',
  '<x a=">">',
  '<AssumeRoleResult.PackedPolicySize>7</AssumeRoleResult.PackedPolicySize>',
  '<Credentials.AccessKeyId>AKID3</Credentials.AccessKeyId>',
  '<ResponseMetadata.RequestId>r3</ResponseMetadata.RequestId>',
  '<a><b><c><d>deep</d></c></b></a>',
]
const mutate = (g: Random, doc: string): string => {
  const at = () => g.int(doc.length + 1)
  switch (g.int(10)) {
    case 0: // insert a snippet
    case 1: {
      const i = at()
      return doc.slice(0, i) + g.pick(SNIPPETS) + doc.slice(i)
    }
    case 2: {
      // delete a range
      const i = at()
      return doc.slice(0, i) + doc.slice(i + g.int(20))
    }
    case 3: // truncate
      return doc.slice(0, at())
    case 4: {
      // a value replaced by text full of entities and CDATA
      const m = [...doc.matchAll(/>([^<>]+)</g)]
      if (!m.length) return doc
      const hit = g.pick(m)
      const value = Array.from({ length: 1 + g.int(5) }, () =>
        g.chance(0.5) ? g.pick(SNIPPETS.slice(0, 16)) : g.pick([...'ab9 +/=']),
      ).join('')
      return doc.slice(0, hit.index! + 1) + value + doc.slice(hit.index! + 1 + hit[1]!.length)
    }
    case 5: // a namespace prefix on every tag, or attributes
      return g.chance(0.5)
        ? doc.replace(/<(\/?)([A-Za-z])/g, '<$1ns:$2')
        : doc.replace(/<([A-Za-z]+)>/, '<$1 a="1"  b=\'2\'>')
    case 6: {
      // an element repeated
      const m = [...doc.matchAll(/<([A-Za-z]+)>[^<]*<\/\1>/g)]
      if (!m.length) return doc
      const hit = g.pick(m)
      return doc.slice(0, hit.index!) + hit[0] + hit[0] + doc.slice(hit.index!)
    }
    case 7: // deep nesting
      return doc.replace(/(<\/[A-Za-z]*Result>)/, '<a>'.repeat(g.int(40)) + '$1')
    case 8: // whitespace or garbage around the root
      return (
        g.pick([' \n', '\ufeff', 'x', '<?xml version="1.0"?>\n']) +
        doc +
        g.pick(['', '\n', 'tail', '<b/>'])
      )
    default:
      return doc
  }
}
const bodiesOf = (g: Random, doc: string, bytes: Uint8Array) => {
  const how = g.int(7)
  const cuts = Array.from({ length: 1 + g.int(6) }, () => g.int(bytes.length + 1)).sort(
    (a, b) => a - b,
  )
  const status = g.pick([200, 400, 403, 500])
  const headers: Record<string, string> = g.chance(0.5) ? { 'x-amzn-requestid': 'header-id' } : {}
  return () => {
    if (how == 0) return doc
    if (how == 1) return bytes
    if (how == 2) return bytes.slice().buffer
    // A Response that declares its length (as STS's do): read whole when within the cap.
    if (how >= 5)
      return new Response(bytes.slice(), {
        status,
        headers: { ...headers, 'content-length': String(bytes.length) },
      })
    const points = [0, ...cuts, bytes.length]
    let i = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (i < points.length - 1) {
          c.enqueue(bytes.slice(points[i], points[i + 1]))
          i++
        } else c.close()
      },
    })
    return how == 3 ? stream : new Response(stream, { status, headers })
  }
}

describe('differential fuzz against the build before the core rewrite: XML', () => {
  it(
    'documents whole and chunked: the extractor and the operation results',
    async () => {
      for (let seed = 1; seed <= CASES * 3; seed++) {
        const g = tools(seed)
        const [action, original] = g.pick(DOCUMENTS)
        let doc = original
        for (let n = g.int(4); n-- > 0;) doc = mutate(g, doc)
        let bytes = new TextEncoder().encode(doc)
        if (g.chance(0.03)) {
          // bytes that are not UTF-8
          bytes = Uint8Array.from([...bytes.slice(0, 40), 0xc3, 0x28, ...bytes.slice(40)])
          doc = new TextDecoder().decode(bytes)
        }
        const body = bodiesOf(g, doc, bytes)
        const maxBytes = g.chance(0.8) ? undefined : g.pick([64, 600, 1000, 2000])
        const options = { maxBytes, status: g.pick([undefined, 400]) }
        const operationOf = (build: Build) => (build as any)[action]
        const paths = operationOf(old).paths as string[]
        compare(
          `readStsXml ${action}`,
          seed,
          new Set(),
          await outcomeOf(old, () => readOld(body(), action, paths, options)),
          await outcomeOf(now, () => readNow(body(), action, paths, options)),
        )
        compare(
          `parseStsResponse ${action}`,
          seed,
          new Set(),
          await outcomeOf(old, () => old.parseStsResponse(operationOf(old), body(), options)),
          await outcomeOf(now, () => now.parseStsResponse(operationOf(now), body(), options)),
        )
      }
    },
    TIME_LIMIT,
  )
})

// ---- generators: signer requests --------------------------------------------------------------

const URL_CHARS = [...'abcXYZ019-_.~ !$&\'()*+,;=:@/%?#[]"<>^`{|}éß中😀']
const strict = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())

const signerCase = (g: Random, tags: Tags) => {
  const service = g.chance(0.95)
    ? g.pick(['sts', 's3', 'execute-api', 'lambda'])
    : g.pick(['a b', ''])
  const segments = Array.from({ length: g.int(4) }, () =>
    g.chance(0.15) ? '' : g.text(6, URL_CHARS).replace(/[/?#%\\]/g, 'p'),
  )
  const path =
    '/' +
    segments.map((s) => (service == 's3' ? strict(s) : s)).join('/') +
    (g.chance(0.3) ? '/' : '')
  const query: string[] = []
  for (let n = g.int(5); n-- > 0;) {
    let key = g.text(5, URL_CHARS).replace(/[#&=]/g, 'q') || 'k'
    if (g.chance(0.15)) {
      key = g.pick(INHERITED)
      tags.add('inherited-query-name')
    }
    if (g.chance(0.1)) key = g.pick(['X-Amz-Date', 'X-Amz-Signature', 'X-Amz-Expires'])
    const value = g.chance(0.2) ? '' : g.text(6, URL_CHARS).replace(/#/g, 'h')
    query.push(g.chance(0.1) ? strict(key) : `${strict(key)}=${strict(value)}`)
  }
  const pairs: [string, string][] = []
  for (let n = g.int(4); n-- > 0;) {
    const name =
      g.chance(0.3) && pairs.length
        ? pairs[0]![0].toUpperCase()
        : g.pick([
            'x-a',
            'X-B',
            'constructor',
            'toString',
            'x-amz-meta-c',
            'user-agent',
            'Authorization',
            'host',
            'x-amz-content-sha256',
          ])
    pairs.push([name, g.text(8, [...'ab9 \t-']) + (g.chance(0.3) ? '  \t x' : '')])
  }
  const headers = g.pick([
    () => pairs,
    () => Object.fromEntries(pairs),
    () => new Headers(pairs.filter(([n]) => /^[\w-]+$/.test(n))),
    () => undefined,
  ])()
  const bodyText = g.chance(0.4) ? '' : g.text(40, URL_CHARS)
  const body = g.pick([undefined, bodyText, new TextEncoder().encode(bodyText)])
  const host = g.pick(['example.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 'localhost:8443'])
  const url = g.chance(0.02)
    ? 'not a url'
    : `https://${host}${path}${query.length ? '?' + query.join('&') : ''}#frag`
  let credentials: unknown = {
    accessKeyId: 'AKID' + g.int(1000),
    secretAccessKey: 'secret/' + g.int(1000) + '+',
    ...(g.chance(0.5) && { sessionToken: 'tok+/=' + g.int(1000) + (g.chance(0.2) ? '\n' : '') }),
  }
  if (g.chance(0.08)) {
    tags.add('credentials-mistake')
    credentials = g.pick([
      { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() },
      () => credentials,
      async () => credentials,
    ])
  } else if (g.chance(0.05))
    credentials = g.pick([
      {},
      { accessKeyId: 'a' },
      { accessKeyId: '', secretAccessKey: 's' },
      null,
    ])
  const options: Record<string, unknown> = {
    credentials,
    region: g.chance(0.95)
      ? g.pick(['us-east-1', 'eu-west-1', 'cn-north-1'])
      : g.pick(['us east', '']),
    service,
    date: g.pick([
      new Date(1.4e12 + g.int(3e11)),
      1.7e12 + g.int(1e9),
      '2026-01-02T03:04:05Z',
      g.chance(0.1) ? 'not a date' : undefined,
    ]),
  }
  for (const key of [
    'normalizePath',
    'doubleEncode',
    'unsignedPayload',
    'contentSha256',
    'appendSessionToken',
  ])
    if (g.chance(0.2)) options[key] = g.chance(0.5)
  if (g.chance(0.5)) options.expiresIn = g.pick([1, 60, 3600, 604800, 0, 604801, 1.5, '60'])
  const method = g.pick([undefined, 'GET', 'post', 'PUT', 'DELETE', 'HEAD'])
  return { request: { method, url, headers, body }, options }
}

describe('differential fuzz against the build before the core rewrite: signer', () => {
  it(
    'signRequest and presignUrl on generated requests',
    async () => {
      for (let seed = 1; seed <= CASES * 3; seed++) {
        const g = tools(seed)
        const tags: Tags = new Set()
        const { request, options } = signerCase(g, tags)
        const presign = g.chance(0.4)
        const run = (build: Build) =>
          outcomeOf(build, () =>
            presign
              ? build.presignUrl(request as any, options as any)
              : build.signRequest(request as any, options as any),
          )
        compare(presign ? 'presignUrl' : 'signRequest', seed, tags, await run(old), await run(now))
      }
    },
    TIME_LIMIT,
  )
})

describe('the baseline copy', () => {
  it('is the code before the rewrite: its defects are still there (the fuzz compares against them)', async () => {
    const url = await old.presignUrl(
      { url: 'https://b.s3.amazonaws.com/k?constructor=1&toString=2&a=3' },
      { credentials: CREDENTIALS, region: 'us-east-1', service: 's3', date: 0 },
    )
    expect(url).not.toContain('constructor=1')
  })
})
