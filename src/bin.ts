// The `edge-sts` executable. Node built-ins that Deno and Bun also provide are allowed here only:
// this entry is built on its own and never reaches the edge bundle.
import process from 'node:process'
import { main } from './cli.js'

process.exitCode = await main(process.argv.slice(2), process.env, {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
})
