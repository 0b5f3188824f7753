// The two origins of the browser suite, both on 127.0.0.1 (a secure context, so crypto.subtle works):
// - the page server: a test page, the library's browser bundle (dist/index.js) and the page's
//   TypeScript helpers from test/browser, transpiled by esbuild as they are served;
// - a CORS-enabled local STS: the handler of test/local-sts behind node:http, answering preflights
//   and adding the headers a browser needs (exposed: x-amzn-requestid and, when `exposeDate` is on,
//   date); every preflight is recorded, so a test can tell which request headers the library asks for.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { transform } from 'esbuild'
import { createLocalSts } from '../local-sts/handler.ts'
import { selfSignedCertificate } from './certificate.ts'

// What STS needs (authorization, x-amz-date, x-amz-security-token, content-type), plus what an S3
// stand-in needs for the streamed-upload check (PUT, x-amz-content-sha256).
const ALLOWED_HEADERS =
  'authorization, content-type, x-amz-date, x-amz-security-token, x-amz-content-sha256'

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    handler(req, res).catch((error: Error) => res.destroy(error))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>edge-sts in a browser</title><link rel="icon" href="data:,"></head>
<body>
<script type="module">
  import * as edgeSts from '/index.js'
  import { createChecks } from '/checks.ts'
  window.checks = createChecks(edgeSts)
  window.checksReady = true
</script>
</body>
</html>
`

export async function startPageServer(root: string) {
  return listen(async (req, res) => {
    const path = new URL(req.url!, 'http://page').pathname
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(PAGE)
      return
    }
    if (path === '/index.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(readFileSync(join(root, 'dist', 'index.js')))
      return
    }
    const helper = /^\/([\w-]+\.ts)$/.exec(path)
    if (helper) {
      const source = readFileSync(join(root, 'test', 'browser', helper[1]!), 'utf8')
      const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' })
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(code)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found')
  })
}

export async function startCorsSts(pageOrigin: string, options: { exposeDate: boolean }) {
  const sts = createLocalSts()
  const preflights: { headers: string; method: string }[] = []
  const server = await listen(async (req, res) => {
    const cors: Record<string, string> = {
      'access-control-allow-origin': pageOrigin,
      'access-control-expose-headers': options.exposeDate
        ? 'x-amzn-requestid, date'
        : 'x-amzn-requestid',
      vary: 'origin',
    }
    if (req.method === 'OPTIONS') {
      preflights.push({
        headers: String(req.headers['access-control-request-headers'] ?? ''),
        method: String(req.headers['access-control-request-method'] ?? ''),
      })
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, PUT',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '0',
      })
      res.end()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const answer = await sts.fetch(
      new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method!,
        headers,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      }),
    )
    res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), ...cors })
    res.end(Buffer.from(await answer.arrayBuffer()))
  })
  return {
    ...server,
    sts,
    preflights,
    endpoint: `${server.origin}/`,
    close: async () => {
      sts.stop()
      await server.close()
    },
  }
}

/**
 * An HTTP/2-only upload target on https://127.0.0.1 (self-signed: the browser is told to accept it),
 * with CORS for the page: it answers a PUT with what it received, so a test can see a streamed body
 * arrive whole, with its SigV4 headers.
 */
export async function startHttp2Upload(pageOrigin: string) {
  const uploads: { body: string; contentSha256: string; signed: boolean; protocol: string }[] = []
  const server = createSecureServer(selfSignedCertificate())
  server.on('request', async (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const cors = {
      'access-control-allow-origin': pageOrigin,
      'access-control-allow-methods': 'PUT',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '0',
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors)
      res.end()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    uploads.push({
      body: Buffer.concat(chunks).toString('utf8'),
      contentSha256: String(req.headers['x-amz-content-sha256']),
      signed: /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization)),
      protocol: `HTTP/${req.httpVersion}`,
    })
    res.writeHead(200, { ...cors, 'content-type': 'text/plain' })
    res.end('stored')
  })
  const sessions = new Set<{ destroy(): void }>()
  server.on('session', (session) => {
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `https://127.0.0.1:${port}/`,
    uploads,
    close: async () => {
      for (const session of sessions) session.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
