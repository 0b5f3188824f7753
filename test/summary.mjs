// Prints vitest's totals as one plain closing line ("vitest: N passed, N failed, N skipped").
import { existsSync, readFileSync, rmSync } from 'node:fs'

const file = new URL('../.vitest-results.json', import.meta.url)
if (!existsSync(file)) {
  console.error('vitest: no results (the build, the typecheck or vitest itself failed; see above)')
  process.exit(1)
}
const r = JSON.parse(readFileSync(file, 'utf8'))
rmSync(file) // never read a stale result next time
console.log(
  `vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
)
process.exit(r.success && r.numPassedTests > 0 ? 0 : 1)
