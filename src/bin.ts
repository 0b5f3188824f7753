// The `edge-sts` executable: binds the CLI to the process. Node, Deno (2+) and Bun all provide the
// `process` global, so no built-in module is imported; this entry is built on its own and never
// reaches the edge bundle.
import { main } from './cli.js'

process.exitCode = await main(process.argv.slice(2), process.env, {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
})
