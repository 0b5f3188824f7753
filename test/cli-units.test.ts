// Small parts of the CLI on their own: the time format against Python's isoformat() (what the AWS CLI
// prints), the cache directory's fallbacks, and the disk cache's trust and expiry rules.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cacheDirectory, DiskCache } from '../src/cli/cache.ts'
import { awsTimestamp, toText } from '../src/cli/output.ts'
import { compileQuery } from '../src/cli/query.ts'
import { CliUsageError } from '../src/cli/usage.ts'

describe('awsTimestamp', () => {
  it("matches Python's datetime.isoformat() of the same UTC time, with and without a fraction", async () => {
    const times = [
      Date.UTC(2026, 11, 1, 7, 10, 9),
      Date.UTC(2026, 11, 1, 7, 10, 9, 1),
      Date.UTC(2026, 11, 1, 7, 10, 9, 720),
      Date.UTC(1999, 0, 1, 0, 0, 0, 999),
      Date.UTC(2038, 1, 19, 3, 14, 8, 100),
    ]
    const program =
      'import json, sys, datetime\n' +
      'for ms in json.load(sys.stdin):\n' +
      '    print(datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).isoformat())'
    const child = promisify(execFile)('python3', ['-c', program])
    child.child.stdin!.end(JSON.stringify(times))
    const expected = (await child).stdout.trim().split('\n')
    expect(times.map((ms) => awsTimestamp(new Date(ms)))).toEqual(expected)
    expect(expected[0]).toBe('2026-12-01T07:10:09+00:00')
  })
})

describe('cacheDirectory', () => {
  it('EDGE_STS_CACHE_DIR, else XDG_CACHE_HOME/edge-sts, else ~/.cache/edge-sts, else none', () => {
    const all = { EDGE_STS_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b', HOME: '/c' }
    expect(cacheDirectory(all)).toBe('/a')
    expect(cacheDirectory({ ...all, EDGE_STS_CACHE_DIR: '' })).toBe('/b/edge-sts')
    expect(cacheDirectory({ HOME: '/c' })).toBe('/c/.cache/edge-sts')
    expect(cacheDirectory({})).toBeUndefined()
  })
})

describe('DiskCache', () => {
  let directory: string
  beforeEach(() => {
    directory = join(mkdtempSync(join(tmpdir(), 'edge-sts-cache-')), 'nested', 'cache')
  })
  afterEach(() => rmSync(join(directory, '..', '..'), { recursive: true, force: true }))

  const result = (expiresInMinutes: number, now = Date.now()) => ({
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(now + expiresInMinutes * 60_000),
    },
  })

  it('round-trips a result with its Date, in a 0700 directory it creates, as a 0600 file', async () => {
    const cache = new DiskCache(directory)
    const value = result(60)
    await cache.set('k1', value, value.Credentials.Expiration)
    expect(await cache.get('k1')).toEqual(value)
    expect(statSync(directory).mode & 0o777).toBe(0o700)
    expect(statSync(join(directory, 'k1.json')).mode & 0o777).toBe(0o600)
    expect(readdirSync(directory)).toEqual(['k1.json'])
  })

  it('never serves an entry within 15 minutes of its expiry, or after it', async () => {
    const start = Date.now()
    let now = start
    const cache = new DiskCache(directory, { now: () => now })
    const value = result(30, start)
    await cache.set('k', value, value.Credentials.Expiration)
    now = start + 14 * 60_000
    expect(await cache.get('k')).toBeDefined()
    now = start + 16 * 60_000
    expect(await cache.get('k')).toBeUndefined()
    now = start + 31 * 60_000
    expect(await cache.get('k')).toBeUndefined()
  })

  it("an entry owned by another user is a miss, and that user's directory is not written into", async () => {
    const value = result(60)
    await new DiskCache(directory).set('k', value, value.Credentials.Expiration)
    const lines: string[] = []
    const stranger = new DiskCache(directory, { uid: 4242, log: (line) => void lines.push(line) })
    expect(await stranger.get('k')).toBeUndefined()
    await stranger.set('k2', value, value.Credentials.Expiration)
    expect(readdirSync(directory)).toEqual(['k.json'])
    expect(lines.join('\n')).toMatch(/not a private file of this user[^]*not written \(EPERM\)/)
  })
})

describe('compileQuery agrees with JMESPath (the jmespath package the AWS CLI uses)', () => {
  const data = {
    Credentials: {
      AccessKeyId: 'ASIA1',
      SecretAccessKey: 's',
      Expiration: '2026-12-01T07:10:09+00:00',
    },
    AssumedRoleUser: { Arn: 'arn:aws:sts::1:assumed-role/r/s', AssumedRoleId: 'AROA:s' },
    PackedPolicySize: 3,
    'Odd Key': { x: 1 },
    List: ['a', 'b', { c: 'd' }],
  }
  const expressions = [
    'Credentials',
    'Credentials.AccessKeyId',
    'Credentials.[AccessKeyId, SecretAccessKey, Nope]',
    '[PackedPolicySize, AssumedRoleUser.Arn]',
    '{id: Credentials.AccessKeyId, size: PackedPolicySize, none: Nope.Deeper}',
    'Nope',
    'Nope.[a, b]',
    'Nope.{a: b}',
    '"Odd Key".x',
    'List[0]',
    'List[-1].c',
    'List[5]',
    'Credentials[0]',
    '[0]',
    'List[2].{c: c}',
    ' Credentials . AccessKeyId ',
  ]

  it('on paths, indexes, multi-select lists and hashes, missing members included', async () => {
    const program =
      'import json, sys, jmespath\n' +
      'request = json.load(sys.stdin)\n' +
      'print(json.dumps([jmespath.search(e, request["data"]) for e in request["expressions"]]))'
    const child = promisify(execFile)('python3', ['-c', program])
    child.child.stdin!.end(JSON.stringify({ data, expressions }))
    const expected = JSON.parse((await child).stdout)
    expect(expressions.map((e) => compileQuery(e)(data))).toEqual(expected)
    expect(expected[2]).toEqual(['ASIA1', 's', null])
  })

  it.each([
    'Credentials[*]',
    'List[]',
    'List[?c]',
    'length(List)',
    'a | b',
    'List[0:1]',
    'a[b]',
    '`1`',
    "'raw'",
    'a.',
  ])('refuses %s with a usage error', (expression) => {
    expect(() => compileQuery(expression)).toThrow(CliUsageError)
  })
})

describe('toText agrees with the AWS CLI text formatter', () => {
  it('on structures, lists of structures, nested lists and scalars', async () => {
    const values = [
      { b: 1, a: 'x', n: { z: 2, y: [1, 2] }, l: [{ k: 1 }, { k: 2, j: 3 }] },
      ['a', 'b', ['c', 'd']],
      [{ e: 1 }, { e: 2, f: [1] }],
      [['x', 'y'], 'z'],
      'scalar',
      null,
      7,
      [],
      {},
    ]
    const program =
      'import json, sys, io\n' +
      'from awscli.text import format_text\n' +
      'out = []\n' +
      'for value in json.load(sys.stdin):\n' +
      '    stream = io.StringIO()\n' +
      '    format_text(value, stream)\n' +
      '    out.append(stream.getvalue())\n' +
      'print(json.dumps(out))'
    const python = readFileSync('/usr/bin/aws', 'utf8')
      .split('\n')[0]!
      .replace(/^#!\s*/, '')
    const child = promisify(execFile)(python, ['-c', program])
    child.child.stdin!.end(JSON.stringify(values))
    const expected = JSON.parse((await child).stdout)
    expect(values.map(toText)).toEqual(expected)
    expect(expected[0]).toContain('N\t2\n')
  })
})
