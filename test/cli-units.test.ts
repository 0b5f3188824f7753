// Small parts of the CLI on their own: the time format against Python's isoformat() (what the AWS CLI
// prints), the cache directory's fallbacks, and the disk cache's trust and expiry rules.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cacheDirectory, DiskCache } from '../src/cli/cache.ts'
import { awsTimestamp } from '../src/cli/output.ts'

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
