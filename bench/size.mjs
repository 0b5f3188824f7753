// Bundle size of each public entry as a Workers/browser bundler would ship it: esbuild --bundle
// --minify --format=esm with the workerd/worker/browser conditions, then gzip -9 and brotli -11.
// Usage: node bench/size.mjs [--json] [--check]   (--check fails when assumeRole alone exceeds BUDGET)
import { build } from 'esbuild'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const dist = new URL('../dist/index.js', import.meta.url).pathname
const entries = {
  'import { assumeRole }': `export { assumeRole } from ${JSON.stringify(dist)}`,
  'import { signRequest }': `export { signRequest } from ${JSON.stringify(dist)}`,
  'import * (whole package)': `export * from ${JSON.stringify(dist)}`,
}

/** Regression guard for `import { assumeRole }`, bytes of min+gzip. */
export const BUDGET = 6100

export const measure = async (contents) => {
  const out = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  })
  const code = out.outputFiles[0].contents
  return {
    raw: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = {}
  for (const [name, contents] of Object.entries(entries)) rows[name] = await measure(contents)
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows))
  else {
    console.log('| entry | min | min+gzip | min+brotli |\n|---|---:|---:|---:|')
    for (const [name, r] of Object.entries(rows))
      console.log(`| \`${name}\` | ${r.raw} B | ${r.gzip} B | ${r.brotli} B |`)
  }
  const budget = BUDGET
  if (process.argv.includes('--check') && rows['import { assumeRole }'].gzip > budget) {
    console.error(
      `size budget exceeded: assumeRole alone is ${rows['import { assumeRole }'].gzip} B gzip (> ${budget} B)`,
    )
    process.exit(1)
  }
}
