// Headless Chromium driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`:
// JSON messages ending in a NUL byte, written to the browser's fd 3 and read from its fd 4), so no
// WebSocket client and no browser download are needed. Every wait has a timeout; close() kills the
// browser's whole process group and removes its temporary profile.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'

/** The Chromium binary to use: CHROMIUM_BIN, else Debian's, else none (the suite then skips). */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  return candidates.find((path): path is string => !!path && existsSync(path))
}

export interface ConsoleProblem {
  source: 'console' | 'exception' | 'log'
  text: string
}

interface Pending {
  resolve: (value: any) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

export class Chromium {
  /** Console errors, uncaught exceptions and browser log errors of the page, in order. */
  readonly problems: ConsoleProblem[] = []
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Set<(method: string, params: any) => void>()
  private sessionId: string | undefined
  private stderrTail = ''

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
    private readonly timeoutMs: number,
  ) {
    const output = child.stdio[4] as Readable
    let buffered = Buffer.alloc(0)
    output.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      let end = buffered.indexOf(0)
      while (end !== -1) {
        this.dispatch(JSON.parse(buffered.subarray(0, end).toString('utf8')))
        buffered = buffered.subarray(end + 1)
        end = buffered.indexOf(0)
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000)
    })
    child.on('exit', (code, signal) => {
      const error = new Error(`Chromium exited (${signal ?? code}): ${this.stderrTail.trim()}`)
      for (const call of this.pending.values()) {
        clearTimeout(call.timer)
        call.reject(error)
      }
      this.pending.clear()
    })
  }

  /** Starts Chromium with a temporary profile and attaches to a fresh blank page. */
  static async launch(binary: string, timeoutMs = 15_000): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'edge-sts-chromium-'))
    const child = spawn(
      binary,
      [
        '--headless=new',
        // The suite runs as root in CI, where the sandbox cannot start.
        '--no-sandbox',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-gpu',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--mute-audio',
        'about:blank',
      ],
      // Its own process group, so close() can end the renderers and helpers with it.
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
    )
    const browser = new Chromium(child, profile, timeoutMs)
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve())
        child.once('error', reject)
      })
      const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' })
      const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true })
      browser.sessionId = sessionId
      browser.listeners.add((method, params) => browser.record(method, params))
      await Promise.all([
        browser.send('Runtime.enable'),
        browser.send('Log.enable'),
        browser.send('Page.enable'),
      ])
      return browser
    } catch (error) {
      await browser.close()
      throw error
    }
  }

  /** One DevTools command (on the page unless `onBrowser`), rejected after the timeout. */
  send(method: string, params: object = {}, onBrowser = false): Promise<any> {
    const id = this.nextId++
    const message: Record<string, unknown> = { id, method, params }
    if (this.sessionId && !onBrowser) message.sessionId = this.sessionId
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`DevTools ${method}: no answer within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      ;(this.child.stdio[3] as Writable).write(JSON.stringify(message) + '\0')
    })
  }

  /** Loads a URL and waits for its load event. */
  async navigate(url: string): Promise<void> {
    const loaded = this.waitFor('Page.loadEventFired')
    const result = await this.send('Page.navigate', { url })
    if (result.errorText) throw new Error(`navigation to ${url} failed: ${result.errorText}`)
    await loaded
  }

  /** Evaluates an expression in the page, awaiting a promise; returns its JSON value. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const result = await this.send('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    })
    if (result.exceptionDetails) {
      const details = result.exceptionDetails
      throw new Error(`in the page: ${details.exception?.description ?? details.text}`)
    }
    return result.result.value as T
  }

  waitFor(event: string): Promise<any> {
    return new Promise((resolve, reject) => {
      const listener = (method: string, params: any) => {
        if (method !== event) return
        clearTimeout(timer)
        this.listeners.delete(listener)
        resolve(params)
      }
      const timer = setTimeout(() => {
        this.listeners.delete(listener)
        reject(new Error(`DevTools event ${event}: none within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      this.listeners.add(listener)
    })
  }

  /** Ends the browser: a polite Browser.close (1 s at most), then SIGKILL to its process group. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve))
      const polite = this.send('Browser.close', {}, true).catch(() => undefined)
      const deadline = new Promise((resolve) => setTimeout(resolve, 1000))
      await Promise.race([Promise.all([polite, exited]), deadline])
      try {
        process.kill(-this.child.pid!, 'SIGKILL')
      } catch {
        // The group is gone already.
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))])
    }
    rmSync(this.profile, { recursive: true, force: true })
  }

  private dispatch(message: any) {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id)
      if (!call) return
      this.pending.delete(message.id)
      clearTimeout(call.timer)
      if (message.error) call.reject(new Error(`DevTools: ${message.error.message}`))
      else call.resolve(message.result)
      return
    }
    for (const listener of [...this.listeners]) listener(message.method, message.params)
  }

  private record(method: string, params: any) {
    if (method === 'Runtime.consoleAPICalled' && params.type === 'error') {
      const text = params.args.map((arg: any) => arg.value ?? arg.description).join(' ')
      this.problems.push({ source: 'console', text })
    }
    if (method === 'Runtime.exceptionThrown') {
      const details = params.exceptionDetails
      this.problems.push({
        source: 'exception',
        text: details.exception?.description ?? details.text,
      })
    }
    if (method === 'Log.entryAdded' && params.entry.level === 'error') {
      this.problems.push({ source: 'log', text: `${params.entry.text} ${params.entry.url ?? ''}` })
    }
  }
}
