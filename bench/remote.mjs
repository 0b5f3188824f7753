// Deno, Bun and Chromium: the signing, parsing and whole-call groups timed in-process (bench/run.mjs
// bundles this file with the documents and options defined in). Deno and Bun print the runtime
// version, then the rows as JSON; in a browser page the same result is left in
// `globalThis.benchResult` for bench/chromium.mjs to collect.
/* global __DOCS__, __OPTS__ */
import { callGroup, init, parsingGroups, signingGroups } from './groups.mjs'
import { measure } from './harness.mjs'

const runGroups = async () => {
  await init()
  const rows = {}
  for (const [kind, groups] of [
    ['signing', signingGroups()],
    ['parsing', parsingGroups(__DOCS__)],
    ['call', callGroup(Object.values(__DOCS__)[1])],
  ])
    for (const [label, g] of Object.entries(groups)) {
      for (const c of g.contestants) if (c.verify) await c.verify()
      rows[`${kind}: ${label}`] = await measure(g.contestants, __OPTS__)
    }
  return rows
}

if (globalThis.document) {
  globalThis.benchResult = runGroups().then((rows) => ({ version: navigator.userAgent, rows }))
} else {
  const rows = await runGroups()
  console.log(globalThis.Deno ? Deno.version.deno : globalThis.Bun ? Bun.version : 'unknown')
  console.log(JSON.stringify(rows))
}
