// `--query`: the part of JMESPath that STS scripts use — paths (`Credentials.AccessKeyId`), indexes
// (`[0]`), multi-select lists (`Credentials.[AccessKeyId, SecretAccessKey]`) and hashes
// (`{Id: AccessKeyId, Key: SecretAccessKey}`), with JMESPath's rule that a missing value is null.
// Anything else (wildcards, filters, functions, pipes, literals) is refused with a usage error, never
// half-read.
import { CliUsageError } from './usage.ts'

/** A compiled query: applied to the printed form of a result (times as text, no absent members). */
export type Query = (value: unknown) => unknown

const SUPPORTED =
  'supported here: paths (Credentials.AccessKeyId), indexes ([0]), [a, b] and {name: a}'

class QueryReader {
  index = 0
  constructor(readonly text: string) {}

  skipWhitespace(): void {
    while (this.index < this.text.length && /[ \t\n\r]/.test(this.text[this.index]!)) this.index++
  }

  peek(): string | undefined {
    this.skipWhitespace()
    return this.text[this.index]
  }

  fail(what: string): never {
    throw new CliUsageError(`${what} at character ${this.index + 1} (${SUPPORTED})`, '--query')
  }

  expect(character: string): void {
    if (this.peek() !== character) this.fail(`expected '${character}'`)
    this.index++
  }

  identifier(): string {
    this.skipWhitespace()
    const rest = this.text.slice(this.index)
    const unquoted = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)
    if (unquoted !== null) {
      this.index += unquoted[0].length
      return unquoted[0]
    }
    const quoted = /^"(?:[^"\\]|\\.)*"/.exec(rest)
    if (quoted === null) return this.fail('expected a name')
    this.index += quoted[0].length
    try {
      return JSON.parse(quoted[0]) as string
    } catch {
      return this.fail('a quoted name is not a JSON string')
    }
  }
}

const field =
  (name: string): Query =>
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
    return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : null
  }

const element =
  (position: number): Query =>
  (value) => {
    if (!Array.isArray(value)) return null
    const at = position < 0 ? value.length + position : position
    return at >= 0 && at < value.length ? value[at] : null
  }

const chain =
  (first: Query, second: Query): Query =>
  (value) => {
    const left = first(value)
    return left === null || left === undefined ? null : second(left)
  }

const selectList =
  (queries: Query[]): Query =>
  (value) => {
    if (value === null || value === undefined) return null
    return queries.map((query) => query(value) ?? null)
  }

const selectHash =
  (entries: [string, Query][]): Query =>
  (value) => {
    if (value === null || value === undefined) return null
    const result: Record<string, unknown> = {}
    for (const [name, query] of entries) result[name] = query(value) ?? null
    return result
  }

// `[`: an index `[0]`; at the start of a term also a multi-select list (after a term, JMESPath wants
// `a.[b, c]`).
const bracket = (reader: QueryReader, selectAllowed: boolean): Query => {
  reader.expect('[')
  reader.skipWhitespace()
  const number = /^-?\d+/.exec(reader.text.slice(reader.index))
  if (number !== null) {
    reader.index += number[0].length
    reader.expect(']')
    return element(Number(number[0]))
  }
  if (!selectAllowed || reader.peek() === ']' || reader.peek() === '*' || reader.peek() === '?') {
    return reader.fail('expected an index; projections, slices and filters are not')
  }
  const queries = [expression(reader)]
  while (reader.peek() === ',') {
    reader.index++
    queries.push(expression(reader))
  }
  reader.expect(']')
  return selectList(queries)
}

const brace = (reader: QueryReader): Query => {
  reader.expect('{')
  const entries: [string, Query][] = []
  do {
    if (entries.length > 0) reader.index++
    const name = reader.identifier()
    reader.expect(':')
    entries.push([name, expression(reader)])
  } while (reader.peek() === ',')
  reader.expect('}')
  return selectHash(entries)
}

const term = (reader: QueryReader): Query => {
  const next = reader.peek()
  if (next === '[') return bracket(reader, true)
  if (next === '{') return brace(reader)
  return field(reader.identifier())
}

function expression(reader: QueryReader): Query {
  let query = term(reader)
  for (;;) {
    const next = reader.peek()
    if (next === '.') {
      reader.index++
      query = chain(query, term(reader))
    } else if (next === '[') {
      query = chain(query, bracket(reader, false))
    } else {
      return query
    }
  }
}

/** Compiles a `--query` expression, or throws a usage error naming what is not supported. */
export const compileQuery = (text: string): Query => {
  const reader = new QueryReader(text)
  const query = expression(reader)
  if (reader.peek() !== undefined) reader.fail(`unexpected '${reader.peek()}'`)
  return query
}
