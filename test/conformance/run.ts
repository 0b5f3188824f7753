// npm run conformance -- <folder> [<folder>…]
// Runs every credential scenario found under the folders (a folder holding env.json and
// test-case.json, with fs/ and http-traffic.json; see test/conformance/replay.ts) and ends with
// "N passed, M failed". Exit status 1 when one failed or none was found.
import { relative } from 'node:path'
import { findScenarios, runScenario } from './replay.ts'

const folders = process.argv.slice(2)
if (folders.length == 0) {
  console.error('usage: npm run conformance -- <folder> [<folder>…]')
  process.exit(2)
}
let passed = 0
let failed = 0
for (const folder of folders) {
  for (const scenario of findScenarios(folder)) {
    const result = await runScenario(scenario, relative(process.cwd(), scenario) || scenario)
    if (result.passed) passed++
    else failed++
    console.log(`${result.passed ? 'pass' : 'FAIL'}  ${result.name}`)
    for (const failure of result.failures) console.log(`        ${failure}`)
    for (const note of result.notes) console.log(`        note: ${note}`)
    if (result.error !== undefined)
      console.log(`        error: ${result.error.replace(/\n/g, '\n        ')}`)
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 || passed == 0 ? 1 : 0
