// Deno and Bun: the signing and parsing groups timed in-process (bench/run.mjs bundles this file with
// the documents and options defined in). Prints the runtime version, then the rows as JSON.
/* global __DOCS__, __OPTS__ */
import { init, parsingGroups, signingGroups } from './groups.mjs'
import { measure } from './harness.mjs'

await init()
const rows = {}
for (const [kind, groups] of [
  ['signing', signingGroups()],
  ['parsing', parsingGroups(__DOCS__)],
])
  for (const [label, g] of Object.entries(groups)) {
    for (const c of g.contestants) if (c.verify) await c.verify()
    rows[`${kind}: ${label}`] = await measure(g.contestants, __OPTS__)
  }
console.log(globalThis.Deno ? Deno.version.deno : globalThis.Bun ? Bun.version : 'unknown')
console.log(JSON.stringify(rows))
