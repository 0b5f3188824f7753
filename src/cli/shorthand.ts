// The AWS CLI's shorthand syntax (`Key=team,Value=blue`), read with the same grammar and the same
// value rules as the AWS CLI v2, so a command line written for `aws sts` means the same here:
//
//   parameter     = keyval *("," keyval)
//   keyval        = key "=" [values]
//   key           = 1*(ALPHA / DIGIT / "-" / "_" / "." / "#" / "/" / ":")
//   values        = csv-list / explicit-list / hash-literal
//   csv-list      = first-value *("," second-value)   ; one value alone is a scalar
//   explicit-list = "[" [explicit-value *("," explicit-value)] "]"
//   hash-literal  = "{" key "=" explicit-value *("," key "=" explicit-value) "}"
//
// A first value may hold `=` but not `,` (unless escaped as `\,`), `]`, `}` or quotes; a second value
// (after a comma) may not hold `=`, so `Key=a,Value=b` reads as two keys and `Key=a,b` as a list.
// Values can be quoted with '...' or "..." (backslash escapes the quote and itself).

/** What shorthand produces: text, lists and structures (null-prototype: any key is safe). */
export type ShorthandValue = string | ShorthandValue[] | { [key: string]: ShorthandValue }

/** A shorthand value that does not follow the grammar; `index` is where reading stopped. */
export class ShorthandSyntaxError extends Error {
  readonly index: number
  constructor(message: string, index: number) {
    super(message)
    this.name = 'ShorthandSyntaxError'
    this.index = index
  }
}

const KEY_CHARACTER = /[A-Za-z0-9\-_.#/:]/
// Python's string.whitespace: ASCII only.
const WHITESPACE = /[ \t\n\r\v\f]/
// Character classes of the AWS CLI's value regular expressions (`\,` is an escaped comma).
// Code points, as Python matches them: a character beyond U+FFFF ends a value there.
const FIRST_VALUE = /^(?:\\,|[!#-&(-+\--<>-Z\\-z|-\uffff])(?:\\,|[\s!#-&(-+\--\\^-|~-\uffff])*/u
const SECOND_VALUE = /^(?:\\,|[!#-&(-+\--<>-Z\\-z|-\uffff])(?:\\,|[\s!#-&(-+\--<>-\uffff])*/u
const SINGLE_QUOTED = /^'(?:\\\\|\\'|[^'])*'/
const DOUBLE_QUOTED = /^"(?:\\\\|\\"|[^"])*"/

const describe = (character: string | undefined) =>
  character === undefined ? 'the end' : `'${character}'`

class Reader {
  index = 0
  constructor(readonly text: string) {}

  current(): string | undefined {
    return this.text[this.index]
  }

  atEnd(): boolean {
    return this.index >= this.text.length
  }

  skipWhitespace(): void {
    while (!this.atEnd() && WHITESPACE.test(this.current()!)) this.index++
  }

  expect(character: string, skipWhitespace = false): void {
    if (skipWhitespace) this.skipWhitespace()
    if (this.current() !== character) {
      throw new ShorthandSyntaxError(
        `expected '${character}' but found ${describe(this.current())}`,
        this.index,
      )
    }
    this.index++
    if (skipWhitespace) this.skipWhitespace()
  }

  match(pattern: RegExp): string | undefined {
    const found = pattern.exec(this.text.slice(this.index))
    if (found === null) return undefined
    this.index += found[0].length
    return found[0]
  }
}

const unquote = (quoted: string, quote: string) =>
  quoted.slice(1, -1).split(`\\${quote}`).join(quote).split('\\\\').join('\\')

const quotedValue = (reader: Reader): string | undefined => {
  const quote = reader.current()
  if (quote !== "'" && quote !== '"') return undefined
  const quoted = reader.match(quote === "'" ? SINGLE_QUOTED : DOUBLE_QUOTED)
  if (quoted === undefined) {
    throw new ShorthandSyntaxError(`a ${quote} quote is not closed`, reader.index)
  }
  return unquote(quoted, quote)
}

const unescape = (raw: string) => raw.split('\\,').join(',').trimEnd()

const firstValue = (reader: Reader): string => {
  const quoted = quotedValue(reader)
  if (quoted !== undefined) return quoted
  const raw = reader.match(FIRST_VALUE)
  return raw === undefined ? '' : unescape(raw)
}

const secondValue = (reader: Reader): string => {
  const quoted = quotedValue(reader)
  if (quoted !== undefined) return quoted
  const raw = reader.match(SECOND_VALUE)
  if (raw === undefined) {
    throw new ShorthandSyntaxError(
      `expected a value but found ${describe(reader.current())}`,
      reader.index,
    )
  }
  return unescape(raw)
}

const key = (reader: Reader): string => {
  const start = reader.index
  while (!reader.atEnd() && KEY_CHARACTER.test(reader.current()!)) reader.index++
  return reader.text.slice(start, reader.index)
}

// After `key=a,` either more list values follow (`b,c`) or the next key (`Value=b`): a value that
// is followed by `=` was a key, so reading goes back to the last comma before where it stopped.
const csvValue = (reader: Reader): ShorthandValue => {
  const first = firstValue(reader)
  reader.skipWhitespace()
  if (reader.atEnd() || reader.current() !== ',') return first
  reader.expect(',', true)
  const values = [first]
  for (;;) {
    try {
      const value = secondValue(reader)
      reader.skipWhitespace()
      if (reader.atEnd()) {
        values.push(value)
        break
      }
      reader.expect(',', true)
      values.push(value)
    } catch (error) {
      if (reader.atEnd()) throw error
      while (reader.index > 0 && reader.text[reader.index] !== ',') reader.index--
      break
    }
  }
  return values.length === 1 ? first : values
}

const explicitValue = (reader: Reader): ShorthandValue => {
  if (reader.current() === '[') return explicitList(reader)
  if (reader.current() === '{') return hashLiteral(reader)
  return firstValue(reader)
}

const explicitList = (reader: Reader): ShorthandValue[] => {
  reader.expect('[', true)
  const values: ShorthandValue[] = []
  while (reader.current() !== ']') {
    if (reader.atEnd()) throw new ShorthandSyntaxError("a '[' list is not closed", reader.index)
    values.push(explicitValue(reader))
    reader.skipWhitespace()
    if (reader.current() !== ']') {
      reader.expect(',')
      reader.skipWhitespace()
    }
  }
  reader.expect(']')
  return values
}

const setOnce = (
  target: { [key: string]: ShorthandValue },
  name: string,
  value: ShorthandValue,
  index: number,
) => {
  if (Object.hasOwn(target, name)) {
    throw new ShorthandSyntaxError(`the key "${name}" is given twice`, index)
  }
  target[name] = value
}

const hashLiteral = (reader: Reader): { [key: string]: ShorthandValue } => {
  reader.expect('{', true)
  const result: { [key: string]: ShorthandValue } = Object.create(null)
  while (reader.current() !== '}') {
    if (reader.atEnd())
      throw new ShorthandSyntaxError("a '{' structure is not closed", reader.index)
    const name = key(reader)
    reader.expect('=', true)
    const value = explicitValue(reader)
    reader.skipWhitespace()
    if (reader.current() !== '}') {
      reader.expect(',')
      reader.skipWhitespace()
    }
    // As the AWS CLI: inside braces a repeated key replaces the earlier value.
    result[name] = value
  }
  reader.expect('}')
  return result
}

const values = (reader: Reader): ShorthandValue => {
  if (reader.atEnd()) return ''
  if (reader.current() === '[') return explicitList(reader)
  if (reader.current() === '{') return hashLiteral(reader)
  return csvValue(reader)
}

/**
 * Reads one shorthand value (`Key=team,Value=blue`) into a structure. Throws a
 * {@link ShorthandSyntaxError} where the text leaves the grammar (a key given twice included).
 */
export const parseShorthand = (text: string): { [key: string]: ShorthandValue } => {
  const reader = new Reader(text)
  const result: { [key: string]: ShorthandValue } = Object.create(null)
  let first = true
  while (first || !reader.atEnd()) {
    if (!first) reader.expect(',', true)
    first = false
    const start = reader.index
    const name = key(reader)
    reader.expect('=', true)
    setOnce(result, name, values(reader), start)
  }
  return result
}
