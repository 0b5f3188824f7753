// The shorthand reader against the AWS CLI's own: the Python ShorthandParser of the installed AWS
// CLI v2 (/usr/bin/aws's awscli package) reads the same strings, generated and hand-picked, and both
// must agree on the value or both refuse the string.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseShorthand, ShorthandSyntaxError } from '../src/cli/shorthand.ts'

const AWS = '/usr/bin/aws'
// The interpreter the AWS CLI runs with, and a program that reads a JSON list of strings and prints,
// for each, the parsed value or null when the parser refuses it.
const ORACLE = `
import json, sys
from awscli.shorthand import ShorthandParser, ShorthandParseError
out = []
for text in json.load(sys.stdin):
    try:
        out.append({"value": ShorthandParser().parse(text)})
    except ShorthandParseError:
        out.append(None)
print(json.dumps(out))
`
let python = ''

beforeAll(async () => {
  if (!existsSync(AWS)) throw new Error(`${AWS} is missing: .ci/run installs Debian's awscli`)
  const shebang = (await import('node:fs')).readFileSync(AWS, 'utf8').split('\n')[0]!
  python = shebang.replace(/^#!\s*/, '').trim()
})

const oracle = async (texts: string[]): Promise<({ value: unknown } | null)[]> => {
  const child = promisify(execFile)(python, ['-c', ORACLE], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  })
  child.child.stdin!.end(JSON.stringify(texts))
  const { stdout } = await child
  return JSON.parse(stdout)
}

const ours = (text: string): { value: unknown } | null => {
  try {
    // Null-prototype objects compare like plain ones once through JSON.
    return { value: JSON.parse(JSON.stringify(parseShorthand(text))) }
  } catch (error) {
    if (error instanceof ShorthandSyntaxError) return null
    throw error
  }
}

const HAND_PICKED = [
  'Key=team,Value=blue',
  'Key=env,Value=prod',
  'arn=arn:aws:iam::aws:policy/ReadOnlyAccess',
  'Key=a,b,Value=c',
  'Key=a,Value=b,c',
  'Key=a=b,Value=c',
  'Key= a ,Value = b ',
  'Key=\'a,b\',Value="c=d"',
  'Key=\'it\\\'s\',Value="say \\"hi\\""',
  'Key=a\\,b,Value=c',
  'Key=,Value=',
  'Key=[a,b],Value={x=y,z=[1,2]}',
  'Key={x=1,x=2}',
  'Key=a,Key=b',
  'Key',
  'Key=a,',
  '=a',
  'Project=edge,Team=a=b',
  'ProviderArn=arn:aws:iam::aws:contextProvider/IdentityCenter,ContextAssertion=abc+/=',
  'Key=ünïcödé,Value=日本語',
  'Key=a b c,Value=d e',
  'Key=[a,',
  "Key='unclosed",
  'Key=a}b',
  'Key=a]b',
  'Key=😀,Value=x',
]

describe('parseShorthand agrees with the AWS CLI v2 ShorthandParser', () => {
  it('on hand-picked values (tags, policy ARNs, contexts, quoting, escapes, lists, errors)', async () => {
    const expected = await oracle(HAND_PICKED)
    HAND_PICKED.forEach((text, index) => {
      expect(ours(text), text).toEqual(expected[index])
    })
    // The oracle did accept the common forms: the comparison is not between two refusals.
    expect(expected[0]).toEqual({ value: { Key: 'team', Value: 'blue' } })
    expect(expected[3]).toEqual({ value: { Key: ['a', 'b'], Value: 'c' } })
  })

  it('on 3,000 generated strings over the syntax characters', async () => {
    const piece = fc.constantFrom(
      'Key',
      'Value',
      'arn',
      'a',
      'b c',
      '=',
      ',',
      '[',
      ']',
      '{',
      '}',
      "'",
      '"',
      '\\',
      '\\,',
      ' ',
      ':',
      '/',
      '-',
      'é',
      '0',
    )
    const anything = fc.array(piece, { minLength: 1, maxLength: 14 }).map((p) => p.join(''))
    // Mostly well-formed: key=value pairs whose values are drawn from the same pieces.
    const keyValue = fc
      .tuple(fc.constantFrom('Key', 'Value', 'arn', 'a'), fc.array(piece, { maxLength: 5 }))
      .map(([key, value]) => `${key}=${value.join('')}`)
    const pairs = fc.array(keyValue, { minLength: 1, maxLength: 3 }).map((p) => p.join(','))
    const texts = [
      ...fc.sample(anything, { numRuns: 1000, seed: 13 }),
      ...fc.sample(pairs, { numRuns: 2000, seed: 13 }),
    ]
    const expected = await oracle(texts)
    let accepted = 0
    texts.forEach((text, index) => {
      expect(ours(text), JSON.stringify(text)).toEqual(expected[index])
      if (expected[index] !== null) accepted++
    })
    // Both outcomes are exercised.
    expect(accepted).toBeGreaterThan(300)
    expect(accepted).toBeLessThan(2700)
  })
})
