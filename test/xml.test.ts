// The streaming extractor on every real STS sample of the shared vectors (read at run time, with the
// expected values of their index), fed whole and in chunks split at every byte position.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readStsXml, type StsBody } from '../src/xml.ts'
import { parseStsResponse } from '../src/sts.ts'
import { AssumeRole } from '../src/operations.ts'
import { StsError } from '../src/errors.ts'
import { PATHS, bytesOf, credentialKey, dir, index, outcome, samples, streamOf } from './samples.ts'

describe('STS samples', () => {
  it('covers all samples of the index', () => expect(samples.length).toBe(index.count.xml_files))

  for (const s of samples) {
    describe(s.file, () => {
      const bytes = bytesOf(s.file)
      const text = new TextDecoder().decode(bytes)

      it(`gives the expected ${s.outcome}`, async () => {
        const r = await outcome(s, text)
        if (s.outcome === 'error') {
          expect(r.err).toEqual({
            code: s.expected!.Code,
            message: s.expected!.Message,
            type: s.expected!.Type,
            requestId: s.expected!.RequestId,
          })
        } else if (s.outcome === 'invalid') {
          // Either the document is rejected, or it yields no credentials (the operation rejects it).
          if (r.ok) expect(r.ok.values['Credentials.AccessKeyId']).toBeUndefined()
          else expect(r.err!.code).toBe('InvalidResponse')
        } else {
          const { values, requestId } = r.ok!
          for (const [k, v] of Object.entries(s.expected!)) {
            if (k === 'RequestId') expect(requestId).toBe(v)
            else {
              const key = credentialKey(k)
              const raw = values[key]
              expect(raw, key).toBeDefined()
              if (s.whitespace_removed?.[k])
                expect(raw!.replace(/\s+/g, '')).toBe(s.whitespace_removed[k])
              else expect(raw!.trim()).toBe(v)
              if (s.raw_text?.[k] !== undefined) expect(raw).toBe(s.raw_text[k])
            }
          }
          for (const k of s.absent ?? []) {
            if (k === 'ResponseMetadata/RequestId') expect(requestId).toBeUndefined()
            else
              expect(
                Object.keys(values).some((p) => p === credentialKey(k) || p.startsWith(k + '.')),
              ).toBe(false)
          }
        }
      })

      it('gives the same result from bytes, a Response and a stream split at every byte position', async () => {
        const whole = await outcome(s, text)
        expect(await outcome(s, bytes)).toEqual(whole)
        expect(await outcome(s, bytes.buffer.slice(0) as ArrayBuffer)).toEqual(whole)
        expect(await outcome(s, new Response(bytes))).toEqual(whole)
        for (let cut = 0; cut <= bytes.length; cut++)
          expect(await outcome(s, streamOf(bytes, [cut]))).toEqual(whole)
        expect(
          await outcome(
            s,
            streamOf(
              bytes,
              Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
            ),
          ),
        ).toEqual(whole)
      })
    })
  }

  it("agrees with botocore's own expected parse of its error sample", async () => {
    const exp = JSON.parse(
      readFileSync(
        new URL('expected-from-source/botocore/errors/sts-get-session-token.json', dir),
        'utf8',
      ),
    )
    const err = await readStsXml(
      bytesOf('error-access-denied-get-session-token-mfa.xml'),
      'GetSessionToken',
      [],
    ).catch((e) => e)
    expect(err.code).toBe(exp.Error.Code)
    expect(err.message).toBe(exp.Error.Message.trim())
    expect(err.type).toBe(exp.Error.Type)
    expect(err.requestId).toBe(exp.ResponseMetadata.RequestId)
  })

  it('rejects the sample without Expiration as an AssumeRole result: a half-filled result is never returned', async () => {
    const err = await parseStsResponse(
      AssumeRole,
      bytesOf('assume-role-ok-extra-elements-no-expiration.xml'),
    ).catch((e) => e)
    expect(err).toMatchObject({ code: 'InvalidResponse' })
  })
})

const ok = (inner: string) =>
  `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>${inner}</AssumeRoleResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></AssumeRoleResponse>`
const creds =
  '<Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>sec</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>'
const read = (body: StsBody, paths = PATHS.AssumeRole!) => readStsXml(body, 'AssumeRole', paths)
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e) => (e instanceof StsError ? e.code : `not a StsError: ${e}`),
  )

describe('readStsXml', () => {
  it('reads namespace prefixes, attributes, comments, CDATA and entities', async () => {
    const doc = `<?xml version="1.0" encoding="UTF-8"?><!-- hi --><sts:AssumeRoleResponse xmlns:sts="x" a='1'><sts:AssumeRoleResult>
      <sts:Credentials><sts:AccessKeyId  >AKIA</sts:AccessKeyId ><sts:SecretAccessKey><![CDATA[a<b&c]]></sts:SecretAccessKey>
      <sts:SessionToken>t&amp;&lt;&gt;&quot;&apos;&#47;&#x2F;&#x1F600;</sts:SessionToken><Unknown><Deep>x</Deep></Unknown>
      </sts:Credentials><sts:SourceIdentity/></sts:AssumeRoleResult></sts:AssumeRoleResponse>`
    const { values } = await read(doc)
    expect(values['Credentials.AccessKeyId']).toBe('AKIA')
    expect(values['Credentials.SecretAccessKey']).toBe('a<b&c')
    expect(values['Credentials.SessionToken']).toBe('t&<>"\'//😀')
    expect(values.SourceIdentity).toBe('')
  })

  it('anchors paths: an Arn elsewhere is not AssumedRoleUser.Arn', async () => {
    const { values } = await read(
      ok(
        `<Other><Arn>wrong</Arn><AssumedRoleUser><Arn>deeper</Arn></AssumedRoleUser></Other><AssumedRoleUser><Arn>right</Arn></AssumedRoleUser>${creds}`,
      ),
    )
    expect(values['AssumedRoleUser.Arn']).toBe('right')
  })

  it('rejects a success document that repeats a wanted leaf: two values for one field cannot both be right', async () => {
    expect(
      await code(
        read(ok(`<AssumedRoleUser><Arn>right</Arn><Arn>second</Arn></AssumedRoleUser>${creds}`)),
      ),
    ).toBe('InvalidResponse')
    // A second Credentials block (even an identical one) would otherwise mix fields from both.
    expect(
      await code(read(ok(`<Credentials><AccessKeyId>OTHER</AccessKeyId></Credentials>${creds}`))),
    ).toBe('InvalidResponse')
    expect(await code(read(ok(creds + creds)))).toBe('InvalidResponse')
    // An unwanted element may repeat.
    expect(await code(read(ok(`<Unknown>1</Unknown><Unknown>2</Unknown>${creds}`)))).toBe(
      'resolved',
    )
  })

  const invalid: [string, string][] = [
    ['an empty body', ''],
    ['whitespace only', '  \n '],
    ['an HTML 502 page', '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['an HTML page without DOCTYPE', '<html><body>Bad Gateway</body></html>'],
    ['plain text', 'Service Unavailable'],
    ['JSON', '{"Error":"x"}'],
    ['a truncated document', ok(creds).slice(0, 200)],
    [
      'another operation',
      '<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>',
    ],
    ['a bad entity', ok(creds.replace('sec', 'se&nbsp;c'))],
    ['a stray &', ok(creds.replace('sec', 's&c'))],
    ['a reference to U+0000', ok(creds.replace('sec', '&#0;'))],
    ['a reference beyond U+10FFFF', ok(creds.replace('sec', '&#9999999;'))],
    ['an unterminated CDATA', ok(creds.replace('sec', '<![CDATA[sec'))],
    ['an unterminated comment', ok('<!-- ' + creds)],
    ['a stray <', ok(creds.replace('sec', 'a < b'))],
    ['markup inside a value', ok(creds.replace('sec', 's<b>x</b>'))],
    ['mismatched tags', ok(creds.replace('</SecretAccessKey>', '</SessionToken>'))],
    ['a DOCTYPE with entities', '<!DOCTYPE x [<!ENTITY a "b">]>' + ok(creds)],
    ['an error without Code', '<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>'],
    ['text before the root', 'junk' + ok(creds)],
  ]
  for (const [name, body] of invalid) {
    it(`rejects ${name} with InvalidResponse`, async () => {
      expect(await code(read(body))).toBe('InvalidResponse')
      expect(
        await code(
          read(
            streamOf(
              new TextEncoder().encode(body),
              [1, 2, 3, 5, 8, 13, 21, 34, 55].filter((n) => n < body.length),
            ),
          ),
        ),
      ).toBe('InvalidResponse')
    })
  }

  it('rejects invalid UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(ok(creds).slice(0, 100)), 0xff, 0xfe])
    expect(await code(read(bytes))).toBe('InvalidResponse')
    expect(await code(read(streamOf(bytes, [50])))).toBe('InvalidResponse')
  })

  it('carries status and the x-amzn-requestid header on errors, and classifies them', async () => {
    const html = new Response('<html><body>Bad Gateway</body></html>', {
      status: 502,
      headers: { 'x-amzn-requestid': 'hdr-id' },
    })
    const err = await read(html).catch((e) => e)
    expect(err).toMatchObject({
      code: 'InvalidResponse',
      status: 502,
      requestId: 'hdr-id',
      retryable: true,
    })
    const throttle = new Response(
      '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>',
      { status: 400, headers: { 'x-amzn-requestid': 'h2' } },
    )
    expect(await read(throttle).catch((e) => e)).toMatchObject({
      code: 'Throttling',
      type: 'Sender',
      status: 400,
      requestId: 'h2',
      retryable: true,
    })
    const denied = await read(
      '<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>r</RequestId></Error>',
      [],
    ).catch((e) => e)
    expect(denied).toMatchObject({
      code: 'AccessDenied',
      message: 'no',
      requestId: 'r',
      retryable: false,
    })
    expect(
      (await read(new Response(ok(creds), { headers: { 'x-amzn-requestid': 'h' } }))).requestId,
    ).toBe('rid')
    expect(
      (
        await read(
          new Response(ok(creds).replace('<RequestId>rid</RequestId>', ''), {
            headers: { 'x-amzn-requestid': 'h' },
          }),
        )
      ).requestId,
    ).toBe('h')
  })

  it('stops reading at the end of the root element and cancels the stream', async () => {
    let pulls = 0
    let cancelled = false
    const head = new TextEncoder().encode(ok(creds))
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(pulls++ === 0 ? head : new TextEncoder().encode('garbage after the end '))
      },
      cancel() {
        cancelled = true
      },
    })
    const { values } = await read(body)
    expect(values['Credentials.AccessKeyId']).toBe('ASIAX')
    expect(cancelled).toBe(true)
    // The chunk with the root, and at most one read past it (to learn whether the body closed there).
    expect(pulls).toBeLessThanOrEqual(3)
  })

  it('enforces the size cap while reading and cancels the stream', async () => {
    let pulls = 0
    let cancelled = false
    const chunk = new TextEncoder().encode('<Unknown>' + 'x'.repeat(1000) + '</Unknown>')
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('<AssumeRoleResponse><AssumeRoleResult>'))
      },
      pull(c) {
        pulls++
        c.enqueue(chunk)
      },
      cancel() {
        cancelled = true
      },
    })
    expect(await code(readStsXml(body, 'AssumeRole', [], { maxBytes: 65536 }))).toBe(
      'ResponseTooLarge',
    )
    expect(cancelled).toBe(true)
    expect(pulls).toBeLessThan(80)
    expect(await code(read('x'.repeat(70000)))).toBe('ResponseTooLarge')
    expect(await code(read(new Uint8Array(70000)))).toBe('ResponseTooLarge')
  })

  it('reports a stream that fails mid-body as a retryable NetworkError with the cause', async () => {
    const cause = new TypeError('socket hang up')
    let n = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++) c.error(cause)
        else c.enqueue(new TextEncoder().encode('<AssumeRoleResponse>'))
      },
    })
    const err = await read(body).catch((e) => e)
    expect(err).toMatchObject({ code: 'NetworkError', retryable: true })
    expect(err.cause).toBe(cause)
  })

  it('reads a Response that declares its length whole, and streams one over the cap or compressed', async () => {
    const doc = new TextEncoder().encode(
      '<AssumeRoleResponse><AssumeRoleResult><PackedPolicySize>7</PackedPolicySize></AssumeRoleResult></AssumeRoleResponse>',
    )
    // A stream that never closes: only the streaming reader, which stops at the root's end, returns.
    const endless = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(doc)
        },
      })
    const declared = (headers: Record<string, string>) =>
      new Response(endless(), { headers: { 'content-length': String(doc.length), ...headers } })
    const paths = ['PackedPolicySize']
    // Within the cap and not compressed: read whole (so this endless body is still being read).
    const whole = readStsXml(declared({}), 'AssumeRole', paths)
    const pending = Symbol('pending')
    const first = await Promise.race([whole, new Promise((r) => setTimeout(() => r(pending), 50))])
    expect(first).toBe(pending)
    // Over the cap, or compressed (any decoded size): streamed, and done at the root's end.
    for (const response of [
      declared({ 'content-encoding': 'gzip' }),
      new Response(endless(), { headers: { 'content-length': String(10 ** 9) } }),
    ])
      expect((await readStsXml(response, 'AssumeRole', paths)).values).toEqual({
        PackedPolicySize: '7',
      })
    // A declared body read whole gives what the stream gives.
    expect(
      (
        await readStsXml(
          new Response(doc, { headers: { 'content-length': String(doc.length) } }),
          'AssumeRole',
          paths,
        )
      ).values,
    ).toEqual({ PackedPolicySize: '7' })
    const failing = new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.error(new TypeError('socket hang up'))
        },
      }),
      { headers: { 'content-length': '100' } },
    )
    expect(await readStsXml(failing, 'AssumeRole', paths).catch((e) => e)).toMatchObject({
      code: 'NetworkError',
      retryable: true,
    })
  })

  it('refuses nesting deeper than 32 elements, and reads 32', async () => {
    const nest = (n: number) => '<x>'.repeat(n) + '</x>'.repeat(n)
    // The root and the Result element are 2 levels: 30 more are allowed, 31 are not.
    expect(await code(read(ok(nest(30) + creds)))).toBe('resolved')
    const err = await read(ok(nest(31) + creds)).catch((e) => e)
    expect([err.code, err.message]).toEqual([
      'InvalidResponse',
      'not a valid STS AssumeRole response: nested deeper than 32 elements',
    ])
  })

  // Adversarial inputs: each must end in a typed error. Durations are measured by the benchmarks, not here.
  const hostile: [string, string][] = [
    ['a run of <', '<'.repeat(65000)],
    ['unclosed tags', '<a'.repeat(32000)],
    ['a run of &#', '<AssumeRoleResponse><AssumeRoleResult><SourceIdentity>' + '&#'.repeat(32000)],
    ['repeated unterminated CDATA', '<AssumeRoleResponse>' + '<![CDATA['.repeat(7000)],
    ['deep nesting', '<AssumeRoleResponse><AssumeRoleResult>' + '<a>'.repeat(21000)],
    ['huge attribute lists', '<AssumeRoleResponse ' + 'a="1" '.repeat(10000) + '>'],
  ]
  for (const [name, body] of hostile) {
    it(`ends ${name} (64 KiB) with a typed error`, async () => {
      const c = await code(read(body))
      expect(['InvalidResponse', 'ResponseTooLarge']).toContain(c)
      const bytes = new TextEncoder().encode(body)
      expect(['InvalidResponse', 'ResponseTooLarge']).toContain(
        await code(
          read(
            streamOf(
              bytes,
              Array.from({ length: 64 }, (_, i) => (i + 1) * 997),
            ),
          ),
        ),
      )
    })
  }
})
