// The official AWS SigV4 test suite, read at run time from the shared vectors (two sources: the
// aws-c-auth extended suite and the classic aws-sig-v4-test-suite as vendored in botocore).
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import {
  canonicalize,
  presignQuery,
  presignUrl,
  signForm,
  signRequest,
  stringToSign,
  type SignOptions,
} from '../src/sigv4.ts'
import { StsValidationError } from '../src/errors.ts'

const root = new URL('../../shared/vectors/sigv4/', import.meta.url)
const read = (dir: string, file: string) => readFileSync(new URL(`${dir}/${file}`, root), 'utf8')
const index = JSON.parse(readFileSync(new URL('index.json', root), 'utf8')) as {
  cases: {
    id: string
    dir: string
    credentials: { access_key_id: string; secret_access_key: string; session_token: string | null }
    session_token_signed?: boolean
    region: string
    service: string
    timestamp: string
    options: {
      normalize?: boolean
      sign_body?: boolean
      omit_session_token?: boolean
      expiration_in_seconds?: number
    }
    files: Record<string, any>
  }[]
}

/** Parses a raw HTTP request of the suite: request line split on the first and last space, obs-fold continuation lines kept. */
const parseRaw = (text: string) => {
  const [head, ...rest] = text.split('\n\n')
  const lines = head!.split('\n')
  const line = lines.shift()!
  const method = line.slice(0, line.indexOf(' '))
  const path = line.slice(line.indexOf(' ') + 1, line.lastIndexOf(' '))
  const headers: [string, string][] = []
  for (const l of lines) {
    if (/^\s/.test(l)) headers[headers.length - 1]![1] += '\n' + l
    else if (l) headers.push([l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)])
  }
  const host = headers.find(([n]) => n.toLowerCase() === 'host')![1]
  return { method, path, headers, body: rest.join('\n\n'), url: `https://${host}${path}` }
}

const sigOf = (s: string) => /Signature=([0-9a-f]{64})/.exec(s)![1]

describe('AWS SigV4 test suite', () => {
  it('has every case of the index', () => expect(index.cases.length).toBe(72))

  for (const c of index.cases) {
    const aws4 = c.id.startsWith('aws4_testsuite/')
    const req = parseRaw(read(c.dir, aws4 ? c.files.req : c.files.request))
    const wirePath = new URL(req.url).pathname
    const token = c.credentials.session_token ?? undefined
    const omitToken = c.options.omit_session_token ?? c.session_token_signed === false
    // The suite models the path as characters; a URL (what fetch sends) already holds it percent-encoded.
    const encodedByUrl = wirePath !== req.path && decodeURIComponent(wirePath) === req.path
    const skip =
      !c.options.normalize && /(^|\/)\.\.?(\/|$)/.test(req.path)
        ? `the path "${req.path}" has dot segments: WHATWG URL parsing (and so fetch) resolves them before sending, so an unnormalised request like this cannot be sent or signed from a URL`
        : undefined
    const options: SignOptions = {
      credentials: {
        accessKeyId: c.credentials.access_key_id,
        secretAccessKey: c.credentials.secret_access_key,
        sessionToken: token,
      },
      region: c.region,
      service: c.service,
      date: c.timestamp,
      normalizePath: c.options.normalize ?? true,
      // The request line carries raw characters (space, U+1234) that cannot stand in a URL; the suite
      // encodes them once. The URL we sign already holds that single encoding on the wire, so it is
      // signed without the second (double) encoding for these cases.
      doubleEncode: !encodedByUrl,
      contentSha256: !!c.options.sign_body,
      appendSessionToken: omitToken,
    }
    const request = { method: req.method, url: req.url, headers: req.headers, body: req.body }

    it.skipIf(!!skip)(`${c.id} (header mode)${skip ? ` — skipped: ${skip}` : ''}`, async () => {
      const k = await canonicalize(request, options)
      const f = aws4
        ? { canonical_request: c.files.creq, string_to_sign: c.files.sts }
        : c.files.header_mode
      expect(k.canonicalRequest).toBe(read(c.dir, f.canonical_request))
      expect(await stringToSign(k)).toBe(read(c.dir, f.string_to_sign))
      const signed = await signRequest(request, options)
      if (aws4) expect(signed.headers.authorization).toBe(read(c.dir, c.files.authz))
      else expect(sigOf(signed.headers.authorization!)).toBe(read(c.dir, f.signature).trim())
      expect(signed.headers['x-amz-date']).toBe(c.timestamp.replace(/[:-]/g, ''))
      if (token) expect(signed.headers['x-amz-security-token']).toBe(token)
    })

    if (!aws4) {
      it.skipIf(!!skip)(`${c.id} (query mode)${skip ? ` — skipped: ${skip}` : ''}`, async () => {
        const k = await canonicalize(
          request,
          options,
          presignQuery(options.credentials, c.options.expiration_in_seconds!),
        )
        expect(k.canonicalRequest).toBe(read(c.dir, c.files.query_mode.canonical_request))
        expect(await stringToSign(k)).toBe(read(c.dir, c.files.query_mode.string_to_sign))
        const url = await presignUrl(request, {
          ...options,
          expiresIn: c.options.expiration_in_seconds,
        })
        const expected = parseRaw(read(c.dir, c.files.query_mode.signed_request))
        const q = (u: string) => new URL(u).search.slice(1).split('&').sort()
        // Same parameters (the suite does not sort them on the wire; neither does AWS require it).
        expect(q(url)).toEqual(q(expected.url))
        expect(new URL(url).searchParams.get('X-Amz-Signature')).toBe(
          read(c.dir, c.files.query_mode.signature).trim(),
        )
      })
    }
  }
})

describe('signRequest', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  }
  const base = { credentials, region: 'us-east-1', service: 'sts', date: '2015-08-30T12:36:00Z' }

  it('signs the body hash and keeps the body', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15'
    const s = await signRequest({ method: 'post', url: 'https://sts.amazonaws.com/', body }, base)
    expect(s.method).toBe('POST')
    expect(s.body).toBe(body)
    const k = await canonicalize({ method: 'POST', url: 'https://sts.amazonaws.com/', body }, base)
    // SHA-256 of the body, computed by node:crypto as an independent oracle.
    const { createHash } = await import('node:crypto')
    expect(k.payloadHash).toBe(createHash('sha256').update(body).digest('hex'))
  })

  it('hashes a Uint8Array body like the same string', async () => {
    const a = await signRequest(
      { method: 'PUT', url: 'https://x.amazonaws.com/', body: 'héllo' },
      base,
    )
    const b = await signRequest(
      { method: 'PUT', url: 'https://x.amazonaws.com/', body: new TextEncoder().encode('héllo') },
      base,
    )
    expect(b.headers.authorization).toBe(a.headers.authorization)
  })

  it('UNSIGNED-PAYLOAD and x-amz-content-sha256 on request, on by default for s3', async () => {
    const u = await signRequest(
      { url: 'https://b.s3.amazonaws.com/k', body: 'abc' },
      { ...base, service: 's3', unsignedPayload: true },
    )
    expect(u.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
    expect(u.headers.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date')
    const n = await signRequest({ url: 'https://sts.amazonaws.com/', body: 'abc' }, base)
    expect(n.headers['x-amz-content-sha256']).toBeUndefined()
  })

  it('a caller-provided x-amz-content-sha256 is the payload hash', async () => {
    const k = await canonicalize(
      {
        url: 'https://b.s3.amazonaws.com/k',
        headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        body: 'x',
      },
      { ...base, service: 's3' },
    )
    expect(k.payloadHash).toBe('UNSIGNED-PAYLOAD')
  })

  it('does not sign hop-by-hop or proxy-rewritten headers but passes them on', async () => {
    const s = await signRequest(
      { url: 'https://sts.amazonaws.com/', headers: { 'User-Agent': 'x', 'X-Custom': ' a  b ' } },
      base,
    )
    expect(s.headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-custom,')
    expect(s.headers['user-agent']).toBe('x')
  })

  it('replaces a stale authorization, date and token', async () => {
    const s = await signRequest(
      {
        url: 'https://sts.amazonaws.com/',
        headers: {
          Authorization: 'old',
          'X-Amz-Date': '20000101T000000Z',
          'x-amz-security-token': 'old',
        },
      },
      { ...base, credentials: { ...credentials, sessionToken: 'tok' } },
    )
    expect(s.headers['x-amz-date']).toBe('20150830T123600Z')
    expect(s.headers['x-amz-security-token']).toBe('tok')
    expect(s.headers.authorization).not.toBe('old')
  })

  it('drops the URL fragment and keeps the query', async () => {
    const s = await signRequest({ url: 'https://sts.amazonaws.com/a?b=c#frag' }, base)
    expect(s.url).toBe('https://sts.amazonaws.com/a?b=c')
  })

  it('reuses the derived key: a second signature with the same key is identical and a different secret differs', async () => {
    const a = await signRequest({ url: 'https://sts.amazonaws.com/' }, base)
    const b = await signRequest({ url: 'https://sts.amazonaws.com/' }, base)
    const c = await signRequest(
      { url: 'https://sts.amazonaws.com/' },
      {
        ...base,
        credentials: { ...credentials, secretAccessKey: credentials.secretAccessKey + 'x' },
      },
    )
    expect(b.headers.authorization).toBe(a.headers.authorization)
    expect(c.headers.authorization).not.toBe(a.headers.authorization)
  })

  it('notices a secret changed in place on the same credentials object', async () => {
    const creds = { ...credentials }
    const a = await signRequest(
      { url: 'https://sts.amazonaws.com/' },
      { ...base, credentials: creds },
    )
    creds.secretAccessKey += 'x'
    const b = await signRequest(
      { url: 'https://sts.amazonaws.com/' },
      { ...base, credentials: creds },
    )
    const c = await signRequest(
      { url: 'https://sts.amazonaws.com/' },
      { ...base, credentials: { ...creds } },
    )
    expect(b.headers.authorization).not.toBe(a.headers.authorization)
    expect(b.headers.authorization).toBe(c.headers.authorization)
  })

  const bad: [string, Partial<SignOptions> | Record<string, unknown>, string][] = [
    ['credentials', { credentials: undefined }, 'credentials.accessKeyId'],
    [
      'accessKeyId',
      { credentials: { ...credentials, accessKeyId: '' } },
      'credentials.accessKeyId',
    ],
    ['secretAccessKey', { credentials: { accessKeyId: 'AKID' } }, 'credentials.secretAccessKey'],
    ['region', { region: '' }, 'region'],
    ['region with slash', { region: 'us/east' }, 'region'],
    ['service', { service: undefined }, 'service'],
    ['date', { date: 'not a date' }, 'date'],
  ]
  for (const [name, patch, param] of bad) {
    it(`rejects a bad ${name} with a typed error naming ${param} and no secret`, async () => {
      const err = await signRequest({ url: 'https://sts.amazonaws.com/' }, {
        ...base,
        ...patch,
      } as SignOptions).catch((e) => e)
      expect(err).toBeInstanceOf(StsValidationError)
      expect(err.code).toBe('ValidationError')
      expect(err.issues[0].param).toBe(param)
      expect(err.message).toContain(param)
      expect(JSON.stringify(err) + String(err) + err.stack).not.toContain(
        credentials.secretAccessKey,
      )
    })
  }

  it('rejects a URL that does not parse', async () => {
    const err = await signRequest({ url: '/relative' }, base).catch((e) => e)
    expect(err.issues[0]).toMatchObject({ param: 'url', rule: 'url' })
  })

  it('reports a runtime without crypto.subtle', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true })
    try {
      // A fresh copy of the module: the signer keeps crypto.subtle once it has found it.
      vi.resetModules()
      const fresh = await import('../src/sigv4.ts')
      const err = await fresh
        .signRequest({ url: 'https://sts.amazonaws.com/' }, base)
        .catch((e) => e)
      expect(err.code).toBe('CryptoUnavailable')
      // Browsers hide crypto.subtle outside secure contexts: the message says where to look.
      expect(err.message).toMatch(/secure context/)
    } finally {
      Object.defineProperty(globalThis, 'crypto', saved)
    }
  })
})

describe('presignUrl', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'a+b/c=',
  }
  const base = { credentials, region: 'us-east-1', service: 's3', date: '2015-08-30T12:36:00Z' }

  for (const expiresIn of [0, 604801, 1.5, Number.NaN]) {
    it(`rejects expiresIn ${expiresIn}`, async () => {
      const err = await presignUrl(
        { url: 'https://b.s3.amazonaws.com/k' },
        { ...base, expiresIn },
      ).catch((e) => e)
      expect(err.issues[0]).toMatchObject({ param: 'expiresIn', rule: 'range' })
    })
  }

  it('accepts the bounds and defaults to 3600', async () => {
    for (const e of [1, 604800])
      expect(
        await presignUrl({ url: 'https://b.s3.amazonaws.com/k' }, { ...base, expiresIn: e }),
      ).toContain(`X-Amz-Expires=${e}&`)
    expect(await presignUrl({ url: 'https://b.s3.amazonaws.com/k' }, base)).toContain(
      'X-Amz-Expires=3600&',
    )
  })

  it('signs the session token inside the query, strictly encoded, or appends it', async () => {
    const signed = new URL(await presignUrl({ url: 'https://b.s3.amazonaws.com/k?x=1' }, base))
    expect(signed.search).toContain('X-Amz-Security-Token=a%2Bb%2Fc%3D&')
    expect(signed.searchParams.get('x')).toBe('1')
    const appended = await presignUrl(
      { url: 'https://b.s3.amazonaws.com/k' },
      { ...base, appendSessionToken: true },
    )
    expect(appended).toMatch(/X-Amz-Security-Token=a%2Bb%2Fc%3D&X-Amz-Signature=[0-9a-f]{64}$/)
  })

  it('replaces stale X-Amz-* query parameters instead of signing them twice', async () => {
    const url = await presignUrl(
      { url: 'https://b.s3.amazonaws.com/k?X-Amz-Date=1&X-Amz-Expires=9' },
      base,
    )
    expect(url.match(/X-Amz-Date=/g)).toHaveLength(1)
    expect(url.match(/X-Amz-Expires=/g)).toHaveLength(1)
  })
})

describe('names supplied by users are looked up as own properties', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  }
  const base = { credentials, region: 'us-east-1', service: 's3', date: '2015-08-30T12:36:00Z' }

  it('presignUrl keeps and signs query parameters named like Object.prototype members', async () => {
    const request = { url: 'https://b.s3.amazonaws.com/k?constructor=1&toString=2&a=3&__proto__=4' }
    const url = new URL(await presignUrl(request, base))
    for (const [name, value] of [
      ['constructor', '1'],
      ['toString', '2'],
      ['a', '3'],
      ['__proto__', '4'],
    ])
      expect(url.searchParams.get(name), name).toBe(value)
    const k = await canonicalize(request, base, presignQuery(credentials, 3600))
    expect(k.canonicalRequest.split('\n')[2]).toMatch(
      /&X-Amz-SignedHeaders=host&__proto__=4&a=3&constructor=1&toString=2$/,
    )
  })

  it('signRequest signs headers named like Object.prototype members', async () => {
    const signed = await signRequest(
      { url: 'https://b.s3.amazonaws.com/k', headers: { constructor: 'x', toString: 'y' } },
      base,
    )
    expect(signed.headers.authorization).toMatch(/SignedHeaders=constructor;host;tostring;/)
  })
})

describe('credentials mistakes are named', () => {
  const base = { region: 'us-east-1', service: 'sts', date: '2015-08-30T12:36:00Z' }
  const sts = {
    AccessKeyId: 'ASIAEXAMPLE',
    SecretAccessKey: 'secret-that-must-not-leak',
    SessionToken: 'token-that-must-not-leak',
    Expiration: new Date(),
  }
  const request = { url: 'https://sts.amazonaws.com/' }
  const mistakes: [string, unknown, RegExp][] = [
    ['the PascalCase Credentials of an STS result', sts, /keys of STS Credentials.*toIdentity\(\)/],
    ['a provider function', () => sts, /function.*createSignedFetch/],
    ['an async provider function', async () => sts, /function.*createSignedFetch/],
  ]
  for (const [what, credentials, message] of mistakes) {
    it(`signRequest, presignUrl and the STS signer name ${what}`, async () => {
      const errors = [
        await signRequest(request, { ...base, credentials: credentials as any }).catch((e) => e),
        await presignUrl(request, { ...base, credentials: credentials as any }).catch((e) => e),
        await signForm(
          new URL(request.url),
          'Action=GetCallerIdentity',
          credentials as any,
          'us-east-1',
          0,
        ).catch((e) => e),
      ]
      for (const err of errors) {
        expect(err).toBeInstanceOf(StsValidationError)
        expect(err.issues).toEqual([
          { param: 'credentials', rule: 'type', message: expect.any(String) },
        ])
        expect(err.message).toMatch(message)
        expect(err.message).not.toMatch(/must-not-leak/)
      }
    })
  }

  it('still reads camelCase credentials that also carry other keys', async () => {
    const credentials = { ...sts, accessKeyId: 'AKID', secretAccessKey: 'secret' }
    const signed = await signRequest(request, { ...base, credentials })
    expect(signed.headers.authorization).toContain('Credential=AKID/')
  })
})
