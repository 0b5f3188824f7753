// Linear time on hostile input: the XML extractor fed 64 KiB and 1 MiB of adversarial documents
// (cap raised so the whole input is read), and 4 MiB. Small inputs carry fixed costs, so the clean
// signal is 1 MiB → 4 MiB: ≈4× is linear, ≈16× would be quadratic. Then the default 64 KiB cap on a 1 MiB stream: how much is pulled.
// Run alone (`node bench/adversarial.mjs`) or as part of bench/run.mjs.
import { AssumeRole, parseStsResponse } from '../dist/index.js'

const head = '<AssumeRoleResponse><AssumeRoleResult><Credentials><SessionToken>'
const KINDS = {
  'run of `<`': (n) => head + '<'.repeat(n),
  'unclosed tags `<a`': (n) => head + '<a'.repeat(n / 2),
  'run of `&#`': (n) => head + '&#'.repeat(n / 2),
  'unterminated CDATA': (n) => head + '<![CDATA[' + 'x'.repeat(n),
  'deep nesting `<a>`': (n) => '<AssumeRoleResponse>' + '<a>'.repeat(n / 3),
  'huge attribute list': (n) => '<AssumeRoleResponse ' + 'a="1" '.repeat(n / 6),
  'one long text': (n) => head + 'A'.repeat(n),
  'many small elements': (n) => '<AssumeRoleResponse>' + '<a>x</a>'.repeat(n / 8),
}

const time = async (doc, maxBytes) => {
  const t = performance.now()
  let code = 'ok'
  await parseStsResponse(AssumeRole, doc, { maxBytes }).catch((e) => (code = e.code))
  return [performance.now() - t, code]
}

export async function adversarial() {
  const lines = [
    '| input | 64 KiB | 1 MiB | 4 MiB | 4 MiB ÷ 1 MiB (4 = linear) | outcome |',
    '|---|---:|---:|---:|---:|---|',
  ]
  for (const [name, make] of Object.entries(KINDS)) {
    const small = make(64 * 1024)
    const big = make(1024 * 1024)
    const huge = make(4 * 1024 * 1024)
    for (let i = 0; i < 3; i++) await time(small, 1 << 21) // warm-up
    const best = async (doc) => {
      let m = Infinity
      let code
      for (let i = 0; i < 5; i++) {
        const [t, c] = await time(doc, 1 << 24)
        m = Math.min(m, t)
        code = c
      }
      return [m, code]
    }
    const [a, code] = await best(small)
    const [b] = await best(big)
    const [c] = await best(huge)
    lines.push(
      `| ${name} | ${a.toFixed(2)} ms | ${b.toFixed(2)} ms | ${c.toFixed(2)} ms | ${(c / b).toFixed(1)} | ${code} |`,
    )
  }
  // The size cap on a stream: count the bytes the extractor pulled before it gave up.
  let pulled = 0
  const chunk = new TextEncoder().encode(head + 'A'.repeat(16 * 1024 - head.length))
  const stream = new ReadableStream({
    pull(c) {
      if (pulled >= 1 << 20) return c.close()
      pulled += chunk.length
      c.enqueue(chunk)
    },
  })
  const [, code] = await time(stream)
  lines.push(
    '',
    `A 1 MiB stream with the default 64 KiB cap: ${code} after pulling ${(pulled / 1024).toFixed(0)} KiB of 1024 KiB.`,
  )
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await adversarial())
