// Outputs hold only the fields the response has: no key whose value is `undefined` (an absent
// field is an absent key, as the AWS SDK v3 returns it), for every operation, with a minimal
// response (only the required fields) and with the full fixtures.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as operations from '../src/operations.ts'
import { parseStsResponse } from '../src/sts.ts'

const OPERATIONS = Object.entries(operations).filter(
  (entry): entry is [string, operations.Operation<unknown, object>] =>
    typeof entry[1] == 'object' && 'action' in entry[1],
)

const undefinedKeys = (value: unknown, path = ''): string[] => {
  if (!value || typeof value != 'object' || value instanceof Date) return []
  return Object.entries(value).flatMap(([key, field]) =>
    field === undefined ? [path + key] : undefinedKeys(field, `${path}${key}.`),
  )
}

// The smallest valid response: the credentials (when the operation returns them) or its required leaves.
const minimal = (action: string, paths: readonly string[]) => {
  const leaves = paths.filter(
    (p) => p.startsWith('Credentials.') || action == 'GetWebIdentityToken',
  )
  const values: Record<string, string> = {
    'Credentials.AccessKeyId': 'ASIAEXAMPLE',
    'Credentials.SecretAccessKey': 'secret',
    'Credentials.SessionToken': 'token',
    'Credentials.Expiration': '2030-01-01T00:00:00Z',
    WebIdentityToken: 'a.b.c',
    Expiration: '2030-01-01T00:00:00Z',
  }
  const credentials = leaves.some((l) => l.startsWith('Credentials.'))
    ? `<Credentials>${['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']
        .map((n) => `<${n}>${values[`Credentials.${n}`]}</${n}>`)
        .join('')}</Credentials>`
    : ''
  const top = leaves
    .filter((l) => !l.includes('.'))
    .map((n) => `<${n}>${values[n]}</${n}>`)
    .join('')
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${credentials}${top}</${action}Result></${action}Response>`
}

describe('outputs', () => {
  it('covers every operation', () => expect(OPERATIONS.length).toBe(12))

  for (const [name, operation] of OPERATIONS) {
    it(`${name}: a minimal response gives no undefined keys`, async () => {
      const out = await parseStsResponse(operation, minimal(operation.action, operation.paths))
      expect(undefinedKeys(out)).toEqual([])
      expect('RequestId' in out).toBe(false)
    })

    it(`${name}: the full fixture gives no undefined keys`, async () => {
      const xml = readFileSync(new URL(`fixtures/${operation.action}.xml`, import.meta.url), 'utf8')
      const out = await parseStsResponse(operation, xml)
      expect(undefinedKeys(out)).toEqual([])
      expect(Object.keys(out).length).toBeGreaterThan(1)
    })
  }
})
