// The `edge-sts` executable: binds the CLI to the process. Node, Deno (2+) and Bun all provide the
// `process` global and the `node:` built-ins used here; this entry is built on its own and never
// reaches the edge bundle.
import { readFile } from 'node:fs/promises'
import { main } from './cli.js'

// The package's version, read when asked: package.json is one level up from both src/ and dist/.
const version = async (): Promise<string> => {
  try {
    const text = await readFile(new URL('../package.json', import.meta.url), 'utf8')
    return String(JSON.parse(text).version)
  } catch {
    return 'unknown'
  }
}

const argv = process.argv.slice(2)
process.exitCode = await main(argv, process.env, {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  version: argv.includes('--version') ? await version() : undefined,
})
