// A small HTTP server on 127.0.0.1 for the container and instance metadata tests: each request is
// recorded and answered by the test's handler (`hang` keeps the connection open without answering).
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
}

export type Answer = { status: number; body?: string } | 'hang'

export const startMetadataServer = async (handler: (request: SeenRequest) => Answer) => {
  const requests: SeenRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const seen = { method: req.method!, path: req.url!, headers: req.headers }
    requests.push(seen)
    const answer = handler(seen)
    if (answer === 'hang') return
    res.writeHead(answer.status, { 'content-type': 'text/plain' })
    res.end(answer.body ?? '')
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    requests,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A credentials document as the container and instance endpoints send it. */
export const credentialsDocument = (expiration: Date, extra: Record<string, string> = {}) =>
  JSON.stringify({
    AccessKeyId: 'ASIAMETADATAEXAMPLE',
    SecretAccessKey: 'metadata/Secret+Key',
    Token: 'metadata-session-token',
    Expiration: expiration.toISOString(),
    ...extra,
  })
