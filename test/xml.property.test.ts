// Properties of the streaming extractor on generated input (fast-check): chunk invariance, an
// escaping round trip, and mutation fuzz where the only outcomes allowed are a complete result or a
// typed StsError.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readStsXml } from '../src/xml.ts'
import { parseStsResponse } from '../src/sts.ts'
import { AssumeRole, type AssumeRoleOutput } from '../src/operations.ts'
import { StsError } from '../src/errors.ts'
import { PATHS, bytesOf, outcome, samples, streamOf } from './samples.ts'

const RUNS = Number(process.env.XML_PROPERTY_RUNS ?? 100)
const utf8 = new TextEncoder()

// 0–11 distinct cut positions: 1–12 chunks, cut anywhere (inside a multi-byte character, an entity, a tag).
const cutsOf = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 11 })
    .map((c) => c.sort((a, b) => a - b))

// Characters XML 1.0 §2.2 allows, without CR (§2.11 normalises line ends; STS values never hold one).
const xmlChar = fc.oneof(
  fc.constantFrom(
    '&',
    '<',
    '>',
    '"',
    "'",
    ']',
    ']]>',
    '&amp;',
    '+',
    '%',
    '=',
    ' ',
    '\t',
    '\n',
    'é',
    '€',
    '😀',
    '\u{10ffff}',
  ),
  fc
    .string({ unit: 'grapheme', maxLength: 3 })
    .filter((s) => !/[^\t\n\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(s)),
)
const xmlText = fc.array(xmlChar, { maxLength: 20 }).map((a) => a.join(''))

// Three independent ways to write a value as XML text: named entities, numeric references, CDATA.
const escape = (v: string, how: number) =>
  how == 0
    ? v.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    : how == 1
      ? [...v]
          .map((c) =>
            /[\w ]/.test(c)
              ? c
              : c.codePointAt(0)! & 1
                ? `&#${c.codePointAt(0)};`
                : `&#x${c.codePointAt(0)!.toString(16)};`,
          )
          .join('')
      : `<![CDATA[${v.split(']]>').join(']]]]><![CDATA[>')}]]>`

const FIELDS = ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'] as const
const docOf = (v: readonly string[], how: readonly number[], ns: boolean) => {
  const p = ns ? 'sts:' : ''
  const leaves = FIELDS.map((f, i) => `<${p}${f}>${escape(v[i]!, how[i]!)}</${p}${f}>`).join(
    '\n  <!-- é € 😀 -->',
  )
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${p}AssumeRoleResponse ${ns ? 'xmlns:sts' : 'xmlns'}="https://sts.amazonaws.com/doc/2011-06-15/"><${p}AssumeRoleResult><${p}Credentials a="1" b='😀'>${leaves}</${p}Credentials><${p}SourceIdentity>${escape(v[4]!, how[4]!)}</${p}SourceIdentity></${p}AssumeRoleResult><${p}ResponseMetadata><${p}RequestId>rid-é</${p}RequestId></${p}ResponseMetadata></${p}AssumeRoleResponse>\n`
}
const generated = fc.record({
  values: fc.array(xmlText, { minLength: 5, maxLength: 5 }),
  how: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }),
  ns: fc.boolean(),
})

describe('chunk invariance', () => {
  it('every sample: any split into 1–12 chunks gives exactly the result (or the error) of the whole body', async () => {
    for (const s of samples) {
      const bytes = bytesOf(s.file)
      const whole = await outcome(s, new TextDecoder().decode(bytes))
      await fc.assert(
        fc.asyncProperty(cutsOf(bytes.length), async (cuts) => {
          expect(await outcome(s, streamOf(bytes, cuts))).toEqual(whole)
        }),
        { numRuns: RUNS },
      )
    }
  })

  it('generated documents with multi-byte text, entities, character references and CDATA: the same from any split', async () => {
    await fc.assert(
      fc.asyncProperty(
        generated.chain((g) => {
          const bytes = utf8.encode(docOf(g.values, g.how, g.ns))
          return fc.tuple(fc.constant(g), fc.constant(bytes), cutsOf(bytes.length))
        }),
        async ([g, bytes, cuts]) => {
          const paths = [...PATHS.AssumeRole!]
          const whole = await readStsXml(bytes, 'AssumeRole', paths)
          // The escaping is the oracle: what was escaped comes back unchanged.
          expect(whole.values).toEqual({
            'Credentials.AccessKeyId': g.values[0],
            'Credentials.SecretAccessKey': g.values[1],
            'Credentials.SessionToken': g.values[2],
            'Credentials.Expiration': g.values[3],
            SourceIdentity: g.values[4],
          })
          expect(whole.requestId).toBe('rid-é')
          expect(await readStsXml(streamOf(bytes, cuts), 'AssumeRole', paths)).toEqual(whole)
        },
      ),
      { numRuns: RUNS * 5 },
    )
  })
})

// A real AssumeRole response, and what it holds.
const BASE = new TextDecoder().decode(bytesOf('assume-role-ok-recorded-basic.xml'))
const leafSpans = [...BASE.matchAll(/<(\w+)>[^<]*<\/\1>/g)].map(
  (m) => [m.index!, m.index! + m[0].length] as const,
)
const elementSpans = [
  ...leafSpans,
  ...['Credentials', 'AssumedRoleUser', 'ResponseMetadata'].map(
    (n) => [BASE.indexOf(`<${n}>`), BASE.indexOf(`</${n}>`) + n.length + 3] as const,
  ),
]
const startTags = [...BASE.matchAll(/<\w+[^>]*>/g)].map((m) => m.index! + m[0].length - 1)

type Mutation = (d: string) => string
const at =
  (i: number, ins: string): Mutation =>
  (d) =>
    d.slice(0, i % (d.length + 1)) + ins + d.slice(i % (d.length + 1))
// Mutations that change structure but no value: a resolved result must still be the original one.
const structural: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map(
    (i): Mutation =>
      (d) =>
        d.slice(0, i % d.length),
  ), // truncation
  fc.constantFrom(...elementSpans).map(
    ([a, b]): Mutation =>
      (d) =>
        d.slice(0, b) + d.slice(a, b) + d.slice(b),
  ), // duplicated element
  fc.constantFrom(...elementSpans).map(
    ([a, b]): Mutation =>
      (d) =>
        d.slice(0, a) + d.slice(a, b) + d.slice(a),
  ), // duplicated before itself
  fc.integer({ min: 0, max: leafSpans.length - 2 }).map((i): Mutation => (d) => {
    const [[a, b], [c, e]] = [leafSpans[i]!, leafSpans[i + 1]!] // neighbouring leaves swapped
    return d.slice(0, a) + d.slice(c, e) + d.slice(b, c) + d.slice(a, b) + d.slice(e)
  }),
  fc.nat().map((i) => at(i, '<')),
  fc.nat().map((i) => at(i, '&')),
  fc.nat().map((i) => at(i, '&#')),
  fc.nat().map((i) => at(i, '<![CDATA[')),
  fc.nat().map((i) => at(i, '</')),
  fc.nat().map((i) => at(i, '<Credentials><AccessKeyId>NESTED</AccessKeyId></Credentials>')),
  fc.constant(
    at(
      BASE.indexOf('<AccessKeyId>'),
      '<Credentials><AccessKeyId>NESTED</AccessKeyId></Credentials>',
    ),
  ),
  fc.constant(
    (d: string) => d + '<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>',
  ),
  fc.constant(
    (d: string) => '<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>' + d,
  ),
  fc
    .nat()
    .map((i) => at(i, '<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>')),
  fc
    .tuple(fc.constantFrom(...startTags), fc.integer({ min: 1, max: 5000 }))
    .map(([i, n]) => at(i, Array.from({ length: n }, (_, k) => ` a${k}="v${k}"`).join(''))),
)
// Arbitrary text inserted anywhere: a resolved result must be complete (its values may differ).
const arbitrary: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 12 }))
  .map(([i, s]) => at(i, s))

const ORIGINAL = {
  AccessKeyId: 'ASIARTESTID',
  SecretAccessKey: 'TESTSECRETKEY',
  SessionToken: 'TESTSESSIONTOKEN',
  Expiration: new Date('2021-08-05T19:58:02Z'),
}

const verdict = async (doc: string, cuts: number[]) => {
  const bytes = utf8.encode(doc)
  const run = (
    body: string | ReadableStream<Uint8Array>,
  ): Promise<{ r?: AssumeRoleOutput; code?: string }> =>
    parseStsResponse(AssumeRole, body).then(
      (r) => ({ r }),
      (e) => {
        // Never another exception type.
        expect(e).toBeInstanceOf(StsError)
        return { code: (e as StsError).code }
      },
    )
  const whole = await run(doc)
  expect(
    await run(
      streamOf(
        bytes,
        cuts.filter((c) => c < bytes.length),
      ),
    ),
  ).toEqual(whole)
  return whole
}

describe('mutation fuzz (recorded AssumeRole response)', () => {
  it('the unmutated document gives the recorded credentials', async () => {
    expect((await verdict(BASE, [])).r?.Credentials).toEqual(ORIGINAL)
  })

  it('structural mutations: the original credentials or a typed StsError, the same from a stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(structural, { minLength: 1, maxLength: 3 }),
        cutsOf(BASE.length),
        async (ms, cuts) => {
          const v = await verdict(
            ms.reduce((d, m) => m(d), BASE),
            cuts,
          )
          if (v.r) expect(v.r.Credentials).toEqual(ORIGINAL)
          else expect(v.code).toMatch(/\S/)
        },
      ),
      { numRuns: RUNS * 10 },
    )
  })

  it('arbitrary insertions: a complete result (every credential field, a valid Date) or a typed StsError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitrary, { minLength: 1, maxLength: 4 }),
        cutsOf(BASE.length),
        async (ms, cuts) => {
          const v = await verdict(
            ms.reduce((d, m) => m(d), BASE),
            cuts,
          )
          if (v.r) {
            const c = v.r.Credentials
            for (const k of ['AccessKeyId', 'SecretAccessKey', 'SessionToken'] as const)
              expect(c[k]).toMatch(/^\S+$/)
            expect(c.Expiration).toBeInstanceOf(Date)
            expect(Number.isNaN(+c.Expiration)).toBe(false)
          }
        },
      ),
      { numRuns: RUNS * 10 },
    )
  })
})
