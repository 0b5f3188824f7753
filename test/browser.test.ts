// The library's browser bundle (dist/index.js) in a real headless Chromium, driven over the DevTools
// protocol (test/browser/chromium.ts), against a CORS-enabled local STS on another origin.
// Skipped, with the reason, only when no Chromium binary exists (CI installs Debian's).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import type * as EdgeSts from '../src/index.ts'
import type { BrowserConfig, Checks } from './browser/checks.ts'
import { Chromium, findChromium } from './browser/chromium.ts'
import { startCorsSts, startHttp2Upload, startPageServer } from './browser/servers.ts'
import { runSigningCases } from './browser/signing-cases.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const binary = findChromium()
const alice = USERS[0]!

let browser: Chromium
let page: Awaited<ReturnType<typeof startPageServer>>
let sts: Awaited<ReturnType<typeof startCorsSts>>
let dateExposed: Awaited<ReturnType<typeof startCorsSts>>
let dateHidden: Awaited<ReturnType<typeof startCorsSts>>
let problemsAtLoad: Chromium['problems']

const configFor = (endpoint: string): BrowserConfig => ({
  endpoint,
  credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
  roleArn: `arn:aws:iam::${ACCOUNT}:role/demo`,
  mfaRoleArn: `arn:aws:iam::${ACCOUNT}:role/mfa`,
  mfaSerial: alice.mfaSerial!,
  mfaCode: alice.mfaCode!,
})

/** Calls `window.checks[name](...args)` in the page and returns its JSON result. */
function check<K extends keyof Checks>(
  name: K,
  ...args: Parameters<Checks[K]>
): Promise<Awaited<ReturnType<Checks[K]>>> {
  const list = args.map((arg) => JSON.stringify(arg)).join(', ')
  return browser.evaluate(`window.checks[${JSON.stringify(name)}](${list})`)
}

const assumeRequests = (server: typeof sts) =>
  server.sts.state.requests.filter((request) => request.params.Action === 'AssumeRole')

describe.skipIf(!binary)(
  binary
    ? `Chromium (${binary})`
    : 'Chromium: skipped, no Chromium binary (apt-get install chromium)',
  () => {
    beforeAll(async () => {
      if (!existsSync(join(root, 'dist', 'index.js')))
        throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)')
      page = await startPageServer(root)
      ;[sts, dateExposed, dateHidden] = await Promise.all([
        startCorsSts(page.origin, { exposeDate: true }),
        startCorsSts(page.origin, { exposeDate: true }),
        startCorsSts(page.origin, { exposeDate: false }),
      ])
      browser = await Chromium.launch(binary!)
      await browser.navigate(`${page.origin}/`)
      // The module script runs after the load event at the latest; wait for it, bounded.
      for (let tries = 0; tries < 100; tries++) {
        if (await browser.evaluate('window.checksReady === true')) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      problemsAtLoad = [...browser.problems]
    }, 60_000)

    afterAll(async () => {
      await browser?.close()
      await Promise.all([page, sts, dateExposed, dateHidden].map((server) => server?.close()))
    })

    beforeEach(() => {
      for (const server of [sts, dateExposed, dateHidden]) {
        server.sts.reset()
        server.preflights.length = 0
      }
    })

    it('loads the bundle in a secure context with no console error', async () => {
      expect(problemsAtLoad).toEqual([])
      expect(await browser.evaluate('window.checksReady === true')).toBe(true)
      const environment = await check('environment')
      expect(environment).toMatchObject({ isSecureContext: true, hasSubtle: true })
      expect(environment.userAgent).toMatch(/HeadlessChrome\//)
    })

    it('assumeRole through the CORS local STS (preflight asks only for the documented headers)', async () => {
      const result = await check('assumeRole', configFor(sts.endpoint), 'browser')
      expect(result, JSON.stringify(result)).toMatchObject({
        ok: true,
        value: {
          hasSecret: true,
          expirationIsDate: true,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/demo/browser`,
        },
      })
      if (!result.ok) return
      expect(result.value.accessKeyId).toMatch(/^ASIA/)
      expect(result.value.tokenLength).toBeGreaterThan(400)
      // The request ID comes from x-amzn-requestid, readable only because the server exposes it.
      expect(result.value.requestId).toMatch(/^[0-9a-f-]{36}$/)
      // What a real STS origin behind CORS must allow: no header beyond the README's list.
      const documented = ['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token']
      expect(sts.preflights.length).toBeGreaterThan(0)
      for (const preflight of sts.preflights) {
        expect(preflight.method).toBe('POST')
        for (const header of preflight.headers.split(',')) expect(documented).toContain(header)
      }
    })

    it('MFA: SerialNumber and TokenCode; a wrong code is AccessDenied', async () => {
      const good = await check('mfa', configFor(sts.endpoint), alice.mfaCode!)
      expect(good, JSON.stringify(good)).toMatchObject({
        ok: true,
        value: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/mfa/browser-mfa` },
      })
      expect(assumeRequests(sts)[0]!.params).toMatchObject({
        SerialNumber: alice.mfaSerial,
        TokenCode: alice.mfaCode,
      })
      const wrongCode = alice.mfaCode === '000000' ? '111111' : '000000'
      const bad = await check('mfa', configFor(sts.endpoint), wrongCode)
      expect(bad).toMatchObject({
        ok: false,
        error: { name: 'StsError', isEdgeStsError: true, code: 'AccessDenied', status: 403 },
      })
    })

    it('getCallerIdentity signed with the session credentials (token included)', async () => {
      const result = await check('sessionIdentity', configFor(sts.endpoint))
      expect(result, JSON.stringify(result)).toMatchObject({
        ok: true,
        value: {
          Account: ACCOUNT,
          Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/demo/browser-session`,
        },
      })
      const identityCall = sts.sts.state.requests.find(
        (request) => request.params.Action === 'GetCallerIdentity',
      )
      expect(identityCall!.headers['x-amz-security-token']).toBeTruthy()
    })

    it('signRequest and presignUrl give byte-equal results to Node for a fixed date', async () => {
      const library = (await import(
        pathToFileURL(join(root, 'dist', 'index.js')).href
      )) as typeof EdgeSts
      const inNode = await runSigningCases(library)
      const inBrowser = await check('signing')
      expect(Object.keys(inNode).length).toBeGreaterThan(5)
      expect(JSON.stringify(inBrowser)).toBe(JSON.stringify(inNode))
    })

    it('createSignedFetch: a request the local STS verifies with the smithy signer', async () => {
      const result = await check('signedFetch', configFor(sts.endpoint))
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true, value: { status: 200 } })
      if (result.ok) expect(result.value.text).toContain(`<Arn>${alice.arn}</Arn>`)
    })

    it('a provider caches: concurrent and later callers share one AssumeRole call', async () => {
      const result = await check('caching', configFor(sts.endpoint))
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true })
      if (!result.ok) return
      const [first, ...others] = result.value.keys
      expect(first).toMatch(/^ASIA/)
      expect(others).toEqual([first, first])
      expect(result.value.expirationIsDate).toBe(true)
      expect(assumeRequests(sts)).toHaveLength(1)
    })

    it('an AbortSignal stops a pending call at once (AbortError)', async () => {
      sts.sts.faults = { delayMs: 5000 }
      const result = await check('abort', configFor(sts.endpoint), 100)
      expect(result).toMatchObject({ ok: false, error: { code: 'AbortError', retryable: false } })
      expect(result.elapsedMs).toBeLessThan(2000)
    })

    it('timeoutMs bounds an attempt (TimeoutError)', async () => {
      sts.sts.faults = { delayMs: 5000 }
      const result = await check('timeout', configFor(sts.endpoint), 300)
      expect(result).toMatchObject({ ok: false, error: { code: 'TimeoutError' } })
      expect(result.elapsedMs).toBeGreaterThanOrEqual(290)
      expect(result.elapsedMs).toBeLessThan(3000)
    })

    it('bad input is a StsValidationError before any request', async () => {
      const result = await check('validation', configFor(sts.endpoint))
      expect(result).toMatchObject({
        ok: false,
        error: {
          name: 'StsValidationError',
          code: 'ValidationError',
          // All broken rules at once: RoleArn under 20 characters, RoleSessionName under 2.
          params: ['RoleArn', 'RoleSessionName'],
        },
      })
      expect(sts.sts.state.requests).toHaveLength(0)
    })

    // Known browser gap 1: clock-skew correction reads the response `Date` header, which a
    // cross-origin response shows to scripts only when Access-Control-Expose-Headers names it.
    describe('clock skew (server clock 20 minutes ahead)', () => {
      const skew = { skewMs: 20 * 60_000 }

      it('is corrected when the STS origin exposes Date', async () => {
        dateExposed.sts.faults = skew
        const result = await check('assumeRole', configFor(dateExposed.endpoint), 'skewed')
        expect(result, JSON.stringify(result)).toMatchObject({ ok: true })
        // The first attempt was refused for its time, the second re-signed with the server's.
        expect(assumeRequests(dateExposed)).toHaveLength(2)
      })

      it('fails as SignatureDoesNotMatch when Date is not exposed (the documented gap)', async () => {
        dateHidden.sts.faults = skew
        const result = await check('assumeRole', configFor(dateHidden.endpoint), 'skewed')
        expect(result).toMatchObject({
          ok: false,
          error: { code: 'SignatureDoesNotMatch', status: 403 },
        })
        expect(assumeRequests(dateHidden)).toHaveLength(1)
      })
    })

    // Known browser gap 2: Chromium sends a ReadableStream body (duplex: 'half') only over HTTP/2
    // or HTTP/3; over HTTP/1.1 fetch rejects before anything is sent. The library reports it as a
    // NetworkError; buffered bodies (string, Uint8Array) are unaffected. Over HTTP/2 it works.
    it('a streamed upload over HTTP/1.1 is refused by Chromium (the documented gap)', async () => {
      const before = browser.problems.length
      const result = await check('streamedUpload', configFor(sts.endpoint), `${sts.endpoint}b/k`)
      expect(result).toMatchObject({ ok: false, error: { code: 'NetworkError' } })
      // Refused for the protocol (no HTTP/2 offered), not for CORS: the preflight passed.
      const logged = browser.problems.slice(before).map((problem) => problem.text)
      expect(logged.join('\n')).toMatch(/ERR_ALPN_NEGOTIATION_FAILED|ERR_H2_OR_QUIC_REQUIRED/)
      expect(logged.join('\n')).not.toMatch(/CORS/)
      expect(sts.preflights).toEqual([
        { method: 'PUT', headers: 'authorization,x-amz-content-sha256,x-amz-date' },
      ])
      expect(sts.sts.state.requests).toHaveLength(0)
    })

    it('a streamed upload over HTTP/2 arrives whole, signed UNSIGNED-PAYLOAD', async () => {
      const upload = await startHttp2Upload(page.origin)
      try {
        await browser.send('Security.setIgnoreCertificateErrors', { ignore: true }, true)
        const result = await check('streamedUpload', configFor(sts.endpoint), `${upload.url}b/k`)
        expect(result, JSON.stringify(result)).toMatchObject({
          ok: true,
          value: { status: 200, text: 'stored' },
        })
        expect(upload.uploads).toEqual([
          {
            body: 'streamed upload ✓',
            contentSha256: 'UNSIGNED-PAYLOAD',
            signed: true,
            protocol: 'HTTP/2.0',
          },
        ])
      } finally {
        await browser.send('Security.setIgnoreCertificateErrors', { ignore: false }, true)
        await upload.close()
      }
    })
  },
)
