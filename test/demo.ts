// `npm run demo`: starts the local STS on 127.0.0.1 and drives it with the built `edge-sts` command
// (dist/cli.js), as a user would from a shell: who am I, assume a role, chain to a second role with
// the temporary credentials from `--format env`, and a denied role. Secrets are masked in the output.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ACCOUNT, USERS } from './local-sts/handler.ts'
import { startLocalSts } from './local-sts/node.ts'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const mask = (text: string) =>
  text.replace(
    /("?(?:SecretAccessKey|SessionToken|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)"?\s*[:=]\s*"?)([^"\n]+)/g,
    (_, k, v: string) => `${k}…(${v.length} chars, masked)`,
  )

const edgeSts = (args: string[], env: Record<string, string>) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    console.log(`$ edge-sts ${args.join(' ')}`)
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (e, stdout, stderr) => {
        const status = e ? Number(e.code ?? 1) : 0
        process.stdout.write(mask(stdout) + mask(stderr) + `(exit status ${status})\n\n`)
        resolve({ status, stdout, stderr })
      },
    )
  })

const server = await startLocalSts()
try {
  const alice = USERS[0]!
  console.log(`local STS listening on ${server.url}\n`)
  const env = {
    AWS_ACCESS_KEY_ID: alice.accessKeyId,
    AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: server.url,
  }
  await edgeSts(['get-caller-identity'], env)
  const first = await edgeSts(
    [
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/demo`,
      '--role-session-name',
      'demo-session',
      '--duration-seconds',
      '900',
      '--format',
      'env',
    ],
    env,
  )
  // What `eval "$(edge-sts assume-role … --format env)"` would do in a shell.
  const hop = Object.fromEntries(
    [...first.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [
      m[1]!,
      m[2]!.replace(/^'|'$/g, ''),
    ]),
  )
  await edgeSts(
    [
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/chained`,
      '--role-session-name',
      'second-hop',
    ],
    { ...env, ...hop },
  )
  await edgeSts(
    [
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${ACCOUNT}:role/locked`,
      '--role-session-name',
      'denied',
    ],
    env,
  )
} finally {
  await server.close()
}
