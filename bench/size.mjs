// Bundle size of each public entry as a Workers/browser bundler would ship it: esbuild --bundle
// --minify --format=esm with the workerd/worker/browser conditions, then gzip -9 and brotli -11; and
// which module the minified bytes come from (esbuild's metafile, bundled from src/).
// Usage: node bench/size.mjs [--json] [--check]
//   --check fails when an entry exceeds its regression guard (GUARD), not its goal (GOALS): the goals
//   are reported by `npm run bench`, the guard only stops a change that grows the bundle unnoticed.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = `${root}dist/index.js`
const src = `${root}src/index.ts`

/** The public entries measured: what an application imports. */
export const ENTRIES = {
  'import { assumeRole }': 'assumeRole',
  'import { signRequest }': 'signRequest',
  'import * (whole package)': '*',
}
const exportOf = (name, from) =>
  name == '*'
    ? `export * from ${JSON.stringify(from)}`
    : `export { ${name} } from ${JSON.stringify(from)}`

/**
 * Regression guard, bytes of min+gzip: the figure measured when it was last set, plus 5 %. Raise it
 * on purpose (with the new figure + 5 %) when a change is worth its bytes.
 */
export const GUARD = {
  // Measured 2026-12-01 on the core rewrite merged with the issue 15 fixes.
  'import { assumeRole }': Math.round(8088 * 1.05),
  'import { signRequest }': Math.round(2606 * 1.05),
}

/** Size goals, bytes of min+gzip: 2× aws4fetch's 3,024 B (which only signs), and 2,000 B. */
export const GOALS = {
  'import { assumeRole }': 6048,
  'import { signRequest }': 2000,
}

const bundle = (contents, metafile = false) =>
  build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    metafile,
    logLevel: 'silent',
  })

/** Raw, gzip -9 and brotli -11 bytes of `contents` (an ES module) bundled as Workers/browsers get it. */
export const measure = async (contents) => {
  const out = await bundle(contents)
  const code = out.outputFiles[0].contents
  return {
    raw: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

/** Minified bytes per source module of one entry (bundled from src/, as dist/ is one file). */
export const breakdown = async (name) => {
  const out = await bundle(exportOf(name, src), true)
  const inputs = Object.values(out.metafile.outputs)[0].inputs
  return Object.fromEntries(
    Object.entries(inputs)
      .map(([path, { bytesInOutput }]) => [path.replace(/^.*src\//, 'src/'), bytesInOutput])
      .filter(([, bytes]) => bytes > 0)
      .sort((a, b) => b[1] - a[1]),
  )
}

/** Every entry measured from dist/, with its guard and goal. */
export const sizes = async () => {
  const rows = {}
  for (const [label, name] of Object.entries(ENTRIES))
    rows[label] = await measure(exportOf(name, dist))
  return rows
}

const bytes = (n) => `${n.toLocaleString('en-US')} B`

/** The Markdown report: sizes with goals and guards, then the per-module breakdown. */
export const report = async () => {
  const rows = await sizes()
  const lines = [
    '| entry | min | min+gzip | min+brotli | gzip goal | gzip guard |',
    '|---|---:|---:|---:|---|---:|',
  ]
  for (const [label, r] of Object.entries(rows)) {
    const goal = GOALS[label]
    const verdict = goal ? `≤ ${bytes(goal)}: ${r.gzip <= goal ? 'met' : 'not met'}` : '–'
    const guard = GUARD[label] ? bytes(GUARD[label]) : '–'
    lines.push(
      `| \`${label}\` | ${bytes(r.raw)} | ${bytes(r.gzip)} | ${bytes(r.brotli)} | ${verdict} | ${guard} |`,
    )
  }
  lines.push('', 'Minified bytes by module (esbuild metafile, bundled from src/):', '')
  const perEntry = {}
  for (const [label, name] of Object.entries(ENTRIES)) perEntry[label] = await breakdown(name)
  const modules = [...new Set(Object.values(perEntry).flatMap((m) => Object.keys(m)))]
  lines.push(
    `| module | ${Object.keys(perEntry)
      .map((l) => `\`${l}\``)
      .join(' | ')} |`,
    `|---|${Object.keys(perEntry)
      .map(() => '---:')
      .join('|')}|`,
  )
  for (const module of modules)
    lines.push(
      `| ${module} | ${Object.values(perEntry)
        .map((m) => (m[module] ? bytes(m[module]) : '–'))
        .join(' | ')} |`,
    )
  return { rows, markdown: lines.join('\n') }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, markdown } = await report()
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows))
  else console.log(markdown)
  if (process.argv.includes('--check')) {
    for (const [label, guard] of Object.entries(GUARD))
      if (rows[label].gzip > guard) {
        console.error(`size guard exceeded: ${label} is ${rows[label].gzip} B gzip (> ${guard} B)`)
        process.exitCode = 1
      }
  }
}
