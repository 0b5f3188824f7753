// Runs a bundled ES module in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM) and returns
// what it leaves in `globalThis.benchResult` (a promise). The module is served from 127.0.0.1, a
// secure context, so crypto.subtle is there. Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4): no WebSocket client, no download.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

/** A DevTools protocol session over Chromium's pipe. */
const devtools = (browser) => {
  const pending = new Map()
  let nextId = 1
  let buffered = ''
  browser.stdio[4].on('data', (chunk) => {
    buffered += chunk.toString('utf8')
    let end = buffered.indexOf('\0')
    while (end >= 0) {
      const message = JSON.parse(buffered.slice(0, end))
      buffered = buffered.slice(end + 1)
      end = buffered.indexOf('\0')
      const waiter = pending.get(message.id)
      if (!waiter) continue
      pending.delete(message.id)
      if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`))
      else waiter.resolve(message.result)
    }
  })
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject, method })
      browser.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0')
    })
  return { send }
}

/**
 * Loads `bundle` (JavaScript source of an ES module) in a fresh headless Chromium page and returns
 * the value `globalThis.benchResult` resolves to. Rejects after `timeoutMs`.
 */
export const runInChromium = async (bundle, { timeoutMs = 1_800_000 } = {}) => {
  const server = createServer((request, response) => {
    if (request.url == '/bench.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' })
      response.end(bundle)
    } else {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<!doctype html><script type="module" src="/bench.js"></script>')
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const profile = mkdtempSync(join(tmpdir(), 'edge-sts-bench-'))
  const browser = spawn(
    CHROMIUM,
    [
      '--headless=new',
      '--no-sandbox',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--disable-gpu',
      '--disable-extensions',
      '--disable-background-networking',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  )
  let timer
  try {
    const exited = new Promise((_, reject) => {
      browser.on('error', reject)
      browser.on('exit', (code) => reject(new Error(`chromium exited (${code})`)))
    })
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('chromium bench timed out')), timeoutMs)
    })
    const work = async () => {
      const { send } = devtools(browser)
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' })
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true })
      await send('Page.enable', {}, sessionId)
      const { port } = server.address()
      await send('Page.navigate', { url: `http://127.0.0.1:${port}/` }, sessionId)
      // The module sets benchResult when it runs; wait for it to appear, then for it to settle.
      for (let i = 0; i < 600; i++) {
        const { result } = await send(
          'Runtime.evaluate',
          { expression: 'typeof globalThis.benchResult', returnByValue: true },
          sessionId,
        )
        if (result.value != 'undefined') break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const { result, exceptionDetails } = await send(
        'Runtime.evaluate',
        { expression: 'globalThis.benchResult', awaitPromise: true, returnByValue: true },
        sessionId,
      )
      if (exceptionDetails)
        throw new Error(
          `in chromium: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
        )
      return result.value
    }
    return await Promise.race([work(), exited, timeout])
  } finally {
    clearTimeout(timer)
    browser.kill('SIGKILL')
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

/** The Chromium version string, e.g. `Chromium 156.0.8078.114 …`. */
export const chromiumVersion = async () => {
  const child = spawn(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  await new Promise((resolve) => child.on('close', resolve))
  return out.trim()
}

// `node bench/chromium.mjs file.js`: runs one bundle and prints its result (a quick check).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runInChromium(readFileSync(process.argv[2], 'utf8'))))
}
