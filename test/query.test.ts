import { describe, expect, it } from 'vitest'
import { toForm } from '../src/query.ts'

// Decoding with URLSearchParams is the application/x-www-form-urlencoded oracle: what STS reads.
const decoded = (body: string) => [...new URLSearchParams(body)]

describe('toForm', () => {
  it('flattens AssumeRole like the STS API reference example request', () => {
    const body = toForm('AssumeRole', {
      RoleSessionName: 'testAR',
      RoleArn: 'arn:aws:iam::123456789012:role/demo',
      PolicyArns: [
        { arn: 'arn:aws:iam::123456789012:policy/demopolicy1' },
        { arn: 'arn:aws:iam::123456789012:policy/demopolicy2' },
      ],
      DurationSeconds: 1800,
      Tags: [
        { Key: 'Project', Value: 'Pegasus' },
        { Key: 'Cost-Center', Value: '12345' },
      ],
      TransitiveTagKeys: ['Project'],
      ExternalId: '123ABC',
      SourceIdentity: 'Alice',
      ProvidedContexts: [
        {
          ProviderArn: 'arn:aws:iam::aws:contextProvider/IdentityCenter',
          ContextAssertion: 'abcd',
        },
      ],
    })
    expect(decoded(body)).toEqual([
      ['Action', 'AssumeRole'],
      ['Version', '2011-06-15'],
      ['RoleSessionName', 'testAR'],
      ['RoleArn', 'arn:aws:iam::123456789012:role/demo'],
      ['PolicyArns.member.1.arn', 'arn:aws:iam::123456789012:policy/demopolicy1'],
      ['PolicyArns.member.2.arn', 'arn:aws:iam::123456789012:policy/demopolicy2'],
      ['DurationSeconds', '1800'],
      ['Tags.member.1.Key', 'Project'],
      ['Tags.member.1.Value', 'Pegasus'],
      ['Tags.member.2.Key', 'Cost-Center'],
      ['Tags.member.2.Value', '12345'],
      ['TransitiveTagKeys.member.1', 'Project'],
      ['ExternalId', '123ABC'],
      ['SourceIdentity', 'Alice'],
      ['ProvidedContexts.member.1.ProviderArn', 'arn:aws:iam::aws:contextProvider/IdentityCenter'],
      ['ProvidedContexts.member.1.ContextAssertion', 'abcd'],
    ])
  })

  it('sends a literal + as %2B and a space as %20, so form decoding gives back the input', () => {
    const value = "a+b c&d=e%f/é😀*~!'()"
    const body = toForm('AssumeRole', {
      RoleSessionName: 'x+y',
      Policy: value,
      Tags: [{ Key: 'k+', Value: value }],
    })
    expect(body).toContain('RoleSessionName=x%2By')
    expect(body).not.toMatch(/[ +*!'()]/)
    expect(decoded(body)).toEqual([
      ['Action', 'AssumeRole'],
      ['Version', '2011-06-15'],
      ['RoleSessionName', 'x+y'],
      ['Policy', value],
      ['Tags.member.1.Key', 'k+'],
      ['Tags.member.1.Value', value],
    ])
  })

  it('leaves out absent values and keeps empty strings', () => {
    expect(toForm('GetCallerIdentity', { A: undefined, B: null, C: '' })).toBe(
      'Action=GetCallerIdentity&Version=2011-06-15&C=',
    )
  })
})
