// Round trip of the query builder on generated AssumeRole inputs (fast-check): decoding the body as
// application/x-www-form-urlencoded (URLSearchParams, what STS does) gives back exactly the input.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toForm } from '../src/query.ts'
import { AssumeRole, type AssumeRoleInput } from '../src/operations.ts'

const RUNS = Number(process.env.QUERY_PROPERTY_RUNS ?? 500)

// Strings over the characters each parameter allows (STS API reference), weighted towards the ones
// form encoding gets wrong: `+` (a space once decoded), `%`, `&`, `=`, spaces, non-ASCII.
const over = (chars: fc.Arbitrary<string>, min: number, max: number) =>
  fc.array(chars, { minLength: min, maxLength: max }).map((a) => a.join(''))
const tricky = fc.constantFrom(
  '+',
  '%',
  '&',
  '=',
  ' ',
  '%2B',
  '%%',
  '~',
  '*',
  "'",
  '(',
  '!',
  'é',
  '€',
  '😀',
  '\u00a0',
  '\u3000',
  '漢',
)
const tagChar = fc.oneof(
  fc.constantFrom(
    '+',
    '=',
    ' ',
    ':',
    '/',
    '@',
    '-',
    '_',
    '.',
    'é',
    '漢',
    'ß',
    '\u00a0',
    '\u3000',
    '٣',
  ),
  fc.constantFrom(...'aZ09'),
)
const arnChar = fc.oneof(
  tricky,
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 1 })
    .filter(
      (c) => !/[^\t\n\r\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(c),
    ),
)
const policyChar = fc.oneof(
  tricky.filter((c) => c.length == 1 && c <= '\u00ff'),
  fc.constantFrom('{', '"', ':', '\n', '\t', '\r', 'ÿ'),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }).filter((c) => c >= ' '),
)
const nameChar = fc.constantFrom(...'aZ09_+=,.@-')

const input: fc.Arbitrary<AssumeRoleInput> = fc
  .record(
    {
      RoleArn: over(arnChar, 0, 30).map((s) => 'arn:aws:iam::123456789012:role/' + s),
      RoleSessionName: over(nameChar, 2, 64),
      PolicyArns: fc.array(
        over(arnChar, 0, 20).map((s) => ({ arn: 'arn:aws:iam::123456789012:policy/' + s })),
        { maxLength: 10 },
      ),
      Policy: over(policyChar, 1, 200),
      DurationSeconds: fc.integer({ min: 900, max: 43200 }),
      Tags: fc.uniqueArray(fc.record({ Key: over(tagChar, 1, 20), Value: over(tagChar, 0, 40) }), {
        maxLength: 50,
        selector: (t) => t.Key.toLowerCase(),
      }),
      TransitiveTagKeys: fc.array(over(tagChar, 1, 20), { maxLength: 5 }),
      ExternalId: over(fc.constantFrom(...'aZ09_+=,.@:/-'), 2, 40),
      SourceIdentity: over(nameChar, 2, 64),
    },
    { requiredKeys: ['RoleArn', 'RoleSessionName'] },
  )
  // Keys in a random order: the body follows the input's order, the decoded set must not depend on it.
  .chain((i) =>
    fc
      .shuffledSubarray(Object.keys(i), { minLength: Object.keys(i).length })
      .map((keys) => Object.fromEntries(keys.map((k) => [k, (i as any)[k]])) as AssumeRoleInput),
  )

// The STS Query protocol's flattening, written out from the API reference's request examples.
const expected = (i: AssumeRoleInput): [string, string][] => {
  const out: [string, string][] = [
    ['Action', 'AssumeRole'],
    ['Version', '2011-06-15'],
  ]
  for (const [k, v] of Object.entries(i)) {
    if (k == 'Tags')
      i.Tags!.forEach((t, n) =>
        out.push([`Tags.member.${n + 1}.Key`, t.Key], [`Tags.member.${n + 1}.Value`, t.Value]),
      )
    else if (k == 'PolicyArns')
      i.PolicyArns!.forEach((p, n) => out.push([`PolicyArns.member.${n + 1}.arn`, p.arn]))
    else if (k == 'TransitiveTagKeys')
      i.TransitiveTagKeys!.forEach((t, n) => out.push([`TransitiveTagKeys.member.${n + 1}`, t]))
    else out.push([k, String(v)])
  }
  return out
}
const sorted = (e: [string, string][]) =>
  [...e].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

describe('toForm round trip', () => {
  it('generated inputs are valid AssumeRole inputs (the generator matches the validator)', () => {
    fc.assert(
      fc.property(input, (i) => {
        AssumeRole.check(i)
      }),
      { numRuns: RUNS },
    )
  })

  it('form-decoding the body gives back exactly the input parameters; the body is strict RFC 3986', () => {
    fc.assert(
      fc.property(input, (i) => {
        const body = toForm('AssumeRole', i)
        expect(sorted([...new URLSearchParams(body)])).toEqual(sorted(expected(i)))
        // Only unreserved characters and upper-case %XX escapes between `=` and `&`: no `+`, no raw `*'()!`.
        for (const pair of body.split('&'))
          expect(pair).toMatch(/^[\w.~-]+=(?:[\w.~-]|%[0-9A-F]{2})*$/)
        // Percent-decoding alone (no `+` as space) reads the same: nothing relies on form rules.
        expect(
          sorted(
            body.split('&').map((p) => p.split('=').map(decodeURIComponent) as [string, string]),
          ),
        ).toEqual(sorted(expected(i)))
      }),
      { numRuns: RUNS },
    )
  })
})
