// The offline AWS the README examples run against: the local STS (test/local-sts, signatures checked
// by the package's own SigV4 code) behind a node:http server on 127.0.0.1, reached two ways:
// - directly (`--endpoint`, AWS_ENDPOINT_URL_STS): the request's own Host is the signed host;
// - through the fetch router of run-block.mjs, which sends `https://sts….amazonaws.com/…` here with
//   the original host in `x-readme-host`, so the signature made for the AWS host verifies.
// Requests for other AWS hosts (S3 in the signing examples) get a stand-in service that answers 200
// to a SigV4-signed request (header or presigned query) and 403 to an unsigned one.
import { createServer } from 'node:http'
import type { Socket } from 'node:net'
import {
  ACCOUNT,
  ROLES,
  USERS,
  createLocalSts,
  type Role,
  type User,
} from '../local-sts/handler.ts'

/** The README's identity: the AWS_* keys the examples read, with the MFA device the CLI example names. */
export const README_USER: User = {
  accessKeyId: 'AKIAREADMEEXAMPLE001',
  secretAccessKey: 'readme/Secret+Key/wJalrXUtnFEMIK7MDENGbPxRfi',
  arn: `arn:aws:iam::${ACCOUNT}:user/readme`,
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/me`,
  mfaCode: '123456',
}

/**
 * The local STS's roles plus every other role ARN of the account that the README names, trusting
 * its users and assumed roles, so an example can use any role name it likes.
 */
export function rolesFor(markdown: string): Role[] {
  const roles = [...ROLES]
  const named = markdown.match(new RegExp(`arn:aws:iam::${ACCOUNT}:role/[\\w+=,.@/-]+`, 'g')) ?? []
  for (const arn of new Set(named)) {
    if (roles.some((role) => role.arn === arn)) continue
    roles.push({
      arn,
      trusts: [`arn:aws:iam::${ACCOUNT}:user/*`, `arn:aws:sts::${ACCOUNT}:assumed-role/*`],
    })
  }
  return roles
}

const signed = (headers: Headers, url: URL) =>
  /^AWS4-HMAC-SHA256 Credential=/.test(headers.get('authorization') ?? '') ||
  url.searchParams.has('X-Amz-Signature')

export async function startLocalAws(markdown: string) {
  const sts = createLocalSts({ users: [README_USER, ...USERS], roles: rolesFor(markdown) })
  const serviceRequests: { host: string; signed: boolean }[] = []
  const sockets = new Set<Socket>()
  const server = createServer(async (request, response) => {
    try {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const routedHost = request.headers['x-readme-host']
      const host = typeof routedHost === 'string' ? routedHost : request.headers.host!
      const headers = new Headers()
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || name === 'x-readme-host') continue
        headers.set(name, Array.isArray(value) ? value.join(', ') : value)
      }
      headers.set('host', host)
      const url = new URL(`http://${host}${request.url}`)
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
      let answer: Response
      if (typeof routedHost !== 'string' || /^sts[.-]/.test(host)) {
        const body = hasBody ? Buffer.concat(chunks) : undefined
        answer = await sts.fetch(new Request(url, { method: request.method!, headers, body }))
      } else {
        const isSigned = signed(headers, url)
        serviceRequests.push({ host, signed: isSigned })
        answer = isSigned
          ? new Response('ok', { status: 200 })
          : new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 })
      }
      response.writeHead(answer.status, Object.fromEntries(answer.headers))
      response.end(Buffer.from(await answer.arrayBuffer()))
    } catch (error) {
      response.destroy(error as Error)
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    sts,
    serviceRequests,
    url: `http://127.0.0.1:${port}`,
    async close() {
      sts.stop()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
