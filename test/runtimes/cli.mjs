// Entry for Node, Deno and Bun: the config is the first argument (JSON); the result goes to stdout.
// (Workers use worker.mjs: Bun would serve a module whose default export has `fetch`.)
import { run } from './scenario.mjs'

const arg = globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]
console.log(JSON.stringify(await run(JSON.parse(arg))))
