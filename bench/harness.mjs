// Timing and tables, runtime-agnostic. Rounds are interleaved (every contestant once per round) so
// drift and noise hit all of them alike; each round is `ops` sequential awaits. Figures are ops/s.

export const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1]

/**
 * Times each contestant's `run`; `timer(fn, ops)` returns milliseconds for `ops` calls. The default
 * timer repeats a batch of `ops` calls until `minBatchMs` have passed: on a shared machine a batch
 * that lasts 0.4 ms fits between two preemptions while one of 10 ms does not, so batches of equal
 * duration (not of equal counts) are what keeps the ratios fair.
 */
export async function measure(
  contestants,
  { rounds = 11, ops = 1000, warmup = 200, timer, minBatchMs = 20 } = {},
) {
  const time = timer ?? repeatingTimer(minBatchMs)
  for (const c of contestants) await time(c, warmup)
  const samples = contestants.map(() => [])
  for (let r = 0; r < rounds; r++)
    for (const [i, c] of contestants.entries()) samples[i].push((ops / (await time(c, ops))) * 1000)
  return contestants.map((c, i) => ({
    name: c.name,
    kind: c.kind,
    median: median(samples[i]),
    min: Math.min(...samples[i]),
    max: Math.max(...samples[i]),
  }))
}

const fmt = (n) => {
  if (!Number.isFinite(n)) return '–'
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)
}

/**
 * A timer for coarse clocks (browsers round performance.now() to 100 µs): repeats each batch of `n`
 * calls until `minMs` have passed and returns the time of one batch.
 */
export const repeatingTimer = (minMs) => async (c, n) => {
  const start = performance.now()
  let batches = 0
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < n; i++) await c.run()
    batches++
    elapsed = performance.now() - start
  }
  return elapsed / batches
}

/**
 * A Markdown table: median ops/s, min–max, µs per op, cost relative to the floor (time ÷ floor time)
 * and throughput relative to the best peer (>1 is faster than the best peer).
 */
export function table(rows) {
  const floor = rows.find((r) => r.kind == 'floor')
  const peers = rows.filter((r) => r.kind == 'peer')
  const best = peers.length ? Math.max(...peers.map((r) => r.median)) : undefined
  const lines = [
    '| contestant | median ops/s | min–max ops/s | µs/op | cost vs floor | throughput vs best peer |',
    '|---|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows)
    lines.push(
      `| ${r.kind == 'edge' ? `**${r.name}**` : r.name} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${(1e6 / r.median).toFixed(1)} | ${floor ? `${(floor.median / r.median).toFixed(2)}×` : '–'} | ${best ? `${(r.median / best).toFixed(2)}×` : '–'} |`,
    )
  return lines.join('\n')
}
