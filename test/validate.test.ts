// AssumeRole input rules. Limits are those of the STS API reference (AssumeRole, PolicyDescriptorType,
// Tag, ProvidedContext); each test puts a value just inside and just outside a limit.
import { describe, expect, it } from 'vitest'
import { StsValidationError } from '../src/errors.ts'
import { AssumeRole, type AssumeRoleInput } from '../src/operations.ts'

const ok: AssumeRoleInput = {
  RoleArn: 'arn:aws:iam::123456789012:role/demo',
  RoleSessionName: 'session',
}
const issues = (input: unknown) => {
  try {
    AssumeRole.check(input as AssumeRoleInput)
    return []
  } catch (e) {
    expect(e).toBeInstanceOf(StsValidationError)
    expect((e as StsValidationError).code).toBe('ValidationError')
    return (e as StsValidationError).issues.map(({ param, rule }) => `${param}:${rule}`)
  }
}
const arn = (n: number) => 'arn:aws:iam::1:role/'.padEnd(n, 'r').slice(0, n)

describe('AssumeRole validation', () => {
  it('accepts a minimal and a full valid input', () => {
    expect(issues(ok)).toEqual([])
    expect(
      issues({
        ...ok,
        PolicyArns: [{ arn: arn(20) }],
        Policy: '{"Version":"2012-10-17"}\t\n\r ÿ',
        DurationSeconds: 43200,
        Tags: [{ Key: 'Ünïcode key_.:/=+-@ 1', Value: '' }],
        TransitiveTagKeys: ['Ünïcode key_.:/=+-@ 1'],
        ExternalId: 'ab+=,.@:/-_',
        SerialNumber: 'arn:aws:iam::123456789012:mfa/user',
        TokenCode: '012345',
        SourceIdentity: 'Alice+=,.@-_',
        ProvidedContexts: [{ ProviderArn: arn(20), ContextAssertion: 'abcd' }],
      }),
    ).toEqual([])
  })

  const cases: [string, Partial<Record<keyof AssumeRoleInput, unknown>>, string[]][] = [
    ['RoleArn missing', { RoleArn: undefined }, ['RoleArn:required']],
    ['RoleArn 19 chars', { RoleArn: arn(19) }, ['RoleArn:length']],
    ['RoleArn 2049 chars', { RoleArn: arn(2049) }, ['RoleArn:length']],
    ['RoleArn with a control character', { RoleArn: arn(30) + '\u0001' }, ['RoleArn:pattern']],
    ['RoleArn with a lone surrogate', { RoleArn: arn(30) + '\ud800' }, ['RoleArn:pattern']],
    ['RoleArn of the wrong type', { RoleArn: 42 }, ['RoleArn:type']],
    ['RoleSessionName 1 char', { RoleSessionName: 'a' }, ['RoleSessionName:length']],
    ['RoleSessionName 65 chars', { RoleSessionName: 'a'.repeat(65) }, ['RoleSessionName:length']],
    [
      'RoleSessionName with a space',
      { RoleSessionName: 'my session' },
      ['RoleSessionName:pattern'],
    ],
    ['11 PolicyArns', { PolicyArns: Array(11).fill({ arn: arn(20) }) }, ['PolicyArns:count']],
    ['a short policy ARN', { PolicyArns: [{ arn: arn(19) }] }, ['PolicyArns[0].arn:length']],
    ['a PolicyArns item without arn', { PolicyArns: [{}] }, ['PolicyArns[0].arn:required']],
    ['PolicyArns not an array', { PolicyArns: 'arn' }, ['PolicyArns:type']],
    ['empty Policy', { Policy: '' }, ['Policy:length']],
    ['Policy of 2049 chars', { Policy: 'x'.repeat(2049) }, ['Policy:length']],
    ['Policy with U+0100', { Policy: '{"a":"Ā"}' }, ['Policy:pattern']],
    [
      'Policy + PolicyArns over 2048',
      { Policy: 'x'.repeat(2000), PolicyArns: [{ arn: arn(49) }] },
      ['Policy:length'],
    ],
    ['DurationSeconds 899', { DurationSeconds: 899 }, ['DurationSeconds:range']],
    ['DurationSeconds 43201', { DurationSeconds: 43201 }, ['DurationSeconds:range']],
    ['DurationSeconds 900.5', { DurationSeconds: 900.5 }, ['DurationSeconds:range']],
    ['DurationSeconds as a string', { DurationSeconds: '3600' }, ['DurationSeconds:type']],
    [
      '51 Tags',
      { Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: '' })) },
      ['Tags:count'],
    ],
    ['an empty tag key', { Tags: [{ Key: '', Value: 'v' }] }, ['Tags[0].Key:length']],
    [
      'a 129-char tag key',
      { Tags: [{ Key: 'k'.repeat(129), Value: 'v' }] },
      ['Tags[0].Key:length'],
    ],
    [
      'a 257-char tag value',
      { Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] },
      ['Tags[0].Value:length'],
    ],
    [
      'a tag with a disallowed character',
      { Tags: [{ Key: 'k', Value: 'a#b' }] },
      ['Tags[0].Value:pattern'],
    ],
    ['a tag without Value', { Tags: [{ Key: 'k' }] }, ['Tags[0].Value:required']],
    [
      'tag keys equal ignoring case',
      {
        Tags: [
          { Key: 'Team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
      },
      ['Tags[1].Key:unique'],
    ],
    [
      '51 TransitiveTagKeys',
      { TransitiveTagKeys: Array(51).fill('k') },
      ['TransitiveTagKeys:count'],
    ],
    ['an empty transitive key', { TransitiveTagKeys: [''] }, ['TransitiveTagKeys[0]:length']],
    ['ExternalId 1 char', { ExternalId: 'a' }, ['ExternalId:length']],
    ['ExternalId 1225 chars', { ExternalId: 'a'.repeat(1225) }, ['ExternalId:length']],
    ['ExternalId with a space', { ExternalId: 'a b' }, ['ExternalId:pattern']],
    [
      'SerialNumber 8 chars',
      { SerialNumber: 'GAHT1234', TokenCode: '123456' },
      ['SerialNumber:length'],
    ],
    [
      'SerialNumber 257 chars',
      { SerialNumber: 's'.repeat(257), TokenCode: '123456' },
      ['SerialNumber:length'],
    ],
    [
      'TokenCode 5 digits',
      { SerialNumber: 'GAHT12345678', TokenCode: '12345' },
      ['TokenCode:length'],
    ],
    [
      'TokenCode with a letter',
      { SerialNumber: 'GAHT12345678', TokenCode: '12345a' },
      ['TokenCode:pattern'],
    ],
    ['TokenCode without SerialNumber', { TokenCode: '123456' }, ['SerialNumber:requires']],
    ['SerialNumber without TokenCode', { SerialNumber: 'GAHT12345678' }, ['TokenCode:requires']],
    ['SourceIdentity 1 char', { SourceIdentity: 'a' }, ['SourceIdentity:length']],
    ['SourceIdentity starting with aws:', { SourceIdentity: 'aws:me' }, ['SourceIdentity:pattern']],
    [
      '6 ProvidedContexts',
      { ProvidedContexts: Array(6).fill({ ProviderArn: arn(20), ContextAssertion: 'abcd' }) },
      ['ProvidedContexts:count'],
    ],
    [
      'a 3-char ContextAssertion',
      { ProvidedContexts: [{ ProviderArn: arn(20), ContextAssertion: 'abc' }] },
      ['ProvidedContexts[0].ContextAssertion:length'],
    ],
    ['an unknown parameter', { RoleSessionname: 'x' } as never, ['RoleSessionname:unknown']],
  ]
  for (const [name, patch, expected] of cases)
    it(`rejects ${name}`, () => expect(issues({ ...ok, ...patch })).toEqual(expected))

  it('reports every broken rule at once, with messages that name the parameter and never echo values', () => {
    const secretish = '98765x'
    try {
      AssumeRole.check({
        RoleArn: 'short',
        RoleSessionName: 'bad name!',
        DurationSeconds: 1,
        SerialNumber: 'GAHT12345678',
        TokenCode: secretish,
      } as AssumeRoleInput)
      expect.unreachable()
    } catch (e) {
      const err = e as StsValidationError
      expect(err.issues.map((i) => i.param)).toEqual([
        'RoleArn',
        'RoleSessionName',
        'DurationSeconds',
        'TokenCode',
      ])
      for (const i of err.issues) expect(i.message.startsWith(i.param + ': ')).toBe(true)
      expect(err.message).toContain(
        'RoleSessionName: the character at index 3 is not in [\\w+=,.@-]',
      )
      expect(JSON.stringify(err) + String(err) + err.stack).not.toContain(secretish)
      expect(JSON.stringify(err)).not.toContain('bad name')
    }
  })

  it('rejects a non-object input', () => expect(issues(null)).toEqual(['input:type']))
})

describe('own properties only, and types before ranges', () => {
  const messages = (input: unknown) => {
    try {
      AssumeRole.check(input as AssumeRoleInput)
      return []
    } catch (e) {
      return (e as StsValidationError).issues.map((i) => i.message)
    }
  }

  it('rejects inherited names given as own keys: constructor, toString, __proto__', () => {
    // JSON.parse makes `__proto__` an own key, as a body read from a request would.
    const input = JSON.parse(
      '{"constructor":"x","toString":"y","__proto__":"z","hasOwnProperty":"w"}',
    )
    expect(issues({ ...ok, ...input })).toEqual([
      'constructor:unknown',
      'toString:unknown',
      '__proto__:unknown',
      'hasOwnProperty:unknown',
    ])
  })

  it('rejects inherited names inside structures, and fields a structure does not have', () => {
    const tag = JSON.parse('{"Key":"k","Value":"v","__proto__":"x","constructor":"y"}')
    expect(issues({ ...ok, Tags: [tag] })).toEqual([
      'Tags[0].__proto__:unknown',
      'Tags[0].constructor:unknown',
    ])
    expect(issues({ ...ok, PolicyArns: [{ arn: arn(20), Arn: arn(20) }] })).toEqual([
      'PolicyArns[0].Arn:unknown',
    ])
  })

  it('reads own values only: an inherited RoleArn is missing (it would not be sent)', () => {
    const input = Object.assign(Object.create({ RoleArn: ok.RoleArn }), { RoleSessionName: 'ab' })
    expect(issues(input)).toEqual(['RoleArn:required'])
  })

  it('hints at the name a misspelt key differs from in case or by a suffix', () => {
    expect(messages({ ...ok, rolesessionname: 'x' })).toEqual([
      'rolesessionname: is not a parameter of this operation (did you mean RoleSessionName?)',
    ])
    expect(messages({ ...ok, Durationseconds: 900 })[0]).toContain('did you mean DurationSeconds?')
    expect(messages({ ...ok, constructor: 'x' })[0]).not.toContain('did you mean')
  })

  it('names a type mismatch as such, without echoing the value', () => {
    expect(messages({ ...ok, DurationSeconds: '900' })).toEqual([
      'DurationSeconds: must be a number, not a string',
    ])
    expect(messages({ ...ok, RoleSessionName: 12 })).toEqual([
      'RoleSessionName: must be a string, not a number',
    ])
    expect(messages({ ...ok, Tags: { Key: 'k', Value: 'v' } })).toEqual([
      'Tags: must be an array, not an object',
    ])
    expect(messages({ ...ok, PolicyArns: [arn(20)] })).toEqual([
      'PolicyArns[0]: must be an object, not a string',
    ])
    expect(messages({ ...ok, MinimumSessionTokenSize: true })).toEqual([
      'MinimumSessionTokenSize: must be a number, not a boolean',
    ])
  })

  it('reports a hole in a sparse list at its own index', () => {
    // eslint-disable-next-line no-sparse-arrays
    const tags = [{ Key: 'a', Value: '' }, , { Key: 'A', Value: '' }]
    expect(issues({ ...ok, Tags: tags })).toEqual(['Tags[1]:required', 'Tags[2].Key:unique'])
  })
})
