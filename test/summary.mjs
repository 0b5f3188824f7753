// Prints vitest's totals as one plain closing line ("vitest: N passed, N failed, N skipped").
import { readFileSync, rmSync } from 'node:fs'

const r = JSON.parse(readFileSync(new URL('../.vitest-results.json', import.meta.url), 'utf8'))
const skipped = r.numPendingTests + r.numTodoTests
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
rmSync(new URL('../.vitest-results.json', import.meta.url)) // never read a stale result next time
process.exit(r.success && r.numPassedTests > 0 ? 0 : 1)
