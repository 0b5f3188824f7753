// The local STS on node:http, bound to 127.0.0.1 on a free port. Bodies are streamed chunk by chunk
// as the handler produces them; `reset` faults destroy the connection; close() never hangs.
import { createServer, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import {
  createLocalSts,
  type LocalSts,
  type LocalStsFaults,
  type LocalStsOptions,
} from '../../src/testing/index.ts'

/** The handler's faults, plus what only a socket can do. */
export interface ServerFaults extends LocalStsFaults {
  /** Destroy the connection of the next N requests before answering ('before') or after the headers ('mid'). */
  reset?: { count: number; when: 'before' | 'mid' }
}

export async function startLocalSts(options?: LocalStsOptions) {
  const sts = createLocalSts(options) as Omit<LocalSts, 'faults'> & { faults: ServerFaults }
  const sockets = new Set<Socket>()
  const toRequest = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v)
    return new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
    })
  }
  const server = createServer(async (req, res) => {
    try {
      const reset = sts.faults.reset
      const request = await toRequest(req)
      if (reset && reset.count > 0 && reset.when === 'before') {
        reset.count--
        return req.socket.destroy()
      }
      const response = await sts.fetch(request)
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.flushHeaders()
      if (reset && reset.count > 0 && reset.when === 'mid') {
        reset.count--
        res.write('<AssumeRoleResponse')
        return setTimeout(() => req.socket.destroy(), 10)
      }
      if (response.body)
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (res.destroyed) return
          res.write(chunk)
        }
      res.end()
    } catch (e) {
      res.destroy(e as Error)
    }
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    sts,
    port,
    url: `http://127.0.0.1:${port}/`,
    async close() {
      sts.stop()
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
