// The speed goals of the core (ratios within one run: time ÷ the floor's time, or ÷ a reference's),
// checked against a group's rows and printed beside its table. Each check is also kept for the
// summary at the end of `npm run bench`.

const FAST_SUBTLE = ['workerd', 'Chromium']
const runtimeName = (runtime) => runtime.split(' ')[0]

/** Every goal that applies to a group: [contestant, reference, limit, whose goal]. */
const goalsOf = (kind, label, runtime) => {
  const name = runtimeName(runtime)
  if (kind == 'signing' && label.startsWith('POST AssumeRole')) {
    const limit = FAST_SUBTLE.includes(name) ? 1.25 : 1.1
    return [['edge-sts signRequest', 'floor', limit, 'goal']]
  }
  if (kind == 'parsing') {
    const goals = [
      [
        'edge-sts from a 1-chunk ReadableStream',
        'Response(1-chunk stream).text() + edge-sts',
        1,
        'goal',
      ],
      [
        'edge-sts from a 4-chunk ReadableStream',
        'Response(4-chunk stream).text() + edge-sts',
        1,
        'goal',
      ],
    ]
    // Parsing bytes within 10× the floor is the goal on Node; elsewhere the figure is reported.
    goals.unshift(['edge-sts from bytes', 'floor', 10, name == 'Node' ? 'goal' : 'measured'])
    return goals
  }
  if (kind == 'call') {
    return [['edge-sts assumeRole', 'floor', 1.25, name == 'Node' ? 'goal' : 'measured']]
  }
  return []
}

/** Checks the goals of one group; returns Markdown lines and records each check in `summary`. */
export const checkGoals = (kind, label, runtime, rows, summary) => {
  const lines = []
  for (const [contestant, reference, limit, status] of goalsOf(kind, label, runtime)) {
    const row = rows.find((r) => r.name == contestant)
    const base =
      reference == 'floor'
        ? rows.find((r) => r.kind == 'floor')
        : rows.find((r) => r.name == reference)
    if (!row || !base) continue
    const ratio = base.median / row.median
    const against = reference == 'floor' ? 'the floor' : `“${reference}”`
    const verdict = ratio <= limit ? 'met' : 'not met'
    const shown =
      status == 'goal'
        ? `${verdict}`
        : `no goal on this runtime (the goal of ${limit.toFixed(2)}× is Node's)`
    lines.push(
      `- ${contestant}: **${ratio.toFixed(2)}×** ${against} — goal ≤ ${limit.toFixed(2)}×: ${shown}`,
    )
    summary.push({
      runtime,
      group: `${kind}: ${label}`,
      contestant,
      against,
      ratio,
      limit,
      status,
      verdict,
    })
  }
  return lines.join('\n')
}

/** The summary table of every goal checked in the run. */
export const summaryTable = (summary) => {
  const lines = [
    '| runtime | group | contestant | vs | ratio | goal | verdict |',
    '|---|---|---|---|---:|---:|---|',
  ]
  for (const s of summary)
    lines.push(
      `| ${runtimeName(s.runtime)} | ${s.group} | ${s.contestant} | ${s.against} | ${s.ratio.toFixed(2)}× | ≤ ${s.limit.toFixed(2)}× | ${s.status == 'goal' ? s.verdict : 'measured'} |`,
    )
  return lines.join('\n')
}
