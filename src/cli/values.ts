// From the words of one option to an API value, as the AWS CLI v2 reads them: `file://` and
// `fileb://` values, JSON, shorthand structures and space-separated lists, then the types of the
// STS API model (unknown members, missing members and wrong types are usage errors).
import { parseShorthand, ShorthandSyntaxError, type ShorthandValue } from './shorthand.ts'
import { CliUsageError } from './usage.ts'

/** The type of a parameter in the STS API model. */
export type Shape =
  | { type: 'string' }
  | { type: 'integer' }
  | { type: 'list'; member: Shape }
  | { type: 'structure'; members: Record<string, Shape>; required: string[] }

/** Reads a file's bytes (`file://` and `fileb://` values). */
export type ReadFile = (path: string) => Promise<Uint8Array>

const ORDINALS = ['first', 'second', 'third']
const ordinal = (index: number) => ORDINALS[index] ?? `${index + 1}th`

/** How an option of this shape is written, for usage errors and help. */
export const syntaxOf = (shape: Shape): string => {
  if (shape.type === 'integer') return '<integer>'
  if (shape.type === 'string') return '<value>'
  if (shape.type === 'structure') {
    const shorthand = Object.keys(shape.members)
      .map((name) => `${name}=string`)
      .join(',')
    return `${shorthand} (or JSON ${jsonExample(shape)})`
  }
  const member = shape.member
  if (member.type === 'structure') {
    const one = syntaxOf(member).replace(/ \(or JSON .*$/, '')
    return `${one} [${one} ...] (or JSON [${jsonExample(member)}, ...])`
  }
  return `<value> [<value> ...] (or JSON ["value", ...])`
}

const jsonExample = (shape: Shape): string => {
  if (shape.type !== 'structure') return shape.type === 'integer' ? '0' : '"string"'
  const members = Object.entries(shape.members).map(([k, v]) => `"${k}": ${jsonExample(v)}`)
  return `{${members.join(', ')}}`
}

/** The empty value of a shape, as `--generate-cli-skeleton` prints it: "", 0, [item], {members}. */
export const skeletonOf = (shape: Shape): unknown => {
  if (shape.type === 'string') return ''
  if (shape.type === 'integer') return 0
  if (shape.type === 'list') return [skeletonOf(shape.member)]
  const members: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(shape.members)) members[name] = skeletonOf(member)
  return members
}

/**
 * Checks one member given in `--cli-input-json` against its shape (the same rules as the options).
 */
export const conformMember = (option: string, member: string, shape: Shape, value: unknown) =>
  conform(option, shape, value, member)

const expandPath = (path: string, env: Record<string, string | undefined>): string => {
  // As the AWS CLI does: a leading ~ is the home directory, $NAME and ${NAME} are variables.
  let expanded = path.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, plain?: string, braced?: string) => {
    const name = plain ?? braced!
    return Object.hasOwn(env, name) && env[name] !== undefined ? env[name]! : whole
  })
  const home = env.HOME ?? env.USERPROFILE
  if (home !== undefined && (expanded === '~' || expanded.startsWith('~/'))) {
    expanded = home + expanded.slice(1)
  }
  return expanded
}

/**
 * The value of a `file://` or `fileb://` word: the file's text (`file://`: newlines as `\n`, as
 * the AWS CLI reads text files; `fileb://`: the bytes as they are). STS parameters are text, so the
 * file must be UTF-8. Any other word is returned as it is.
 */
export const loadParameterFile = async (
  option: string,
  word: string,
  readFile: ReadFile,
  env: Record<string, string | undefined>,
): Promise<string> => {
  const prefix = /^fileb?:\/\//.exec(word)?.[0]
  if (prefix === undefined) return word
  const path = expandPath(word.slice(prefix.length), env)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    const reason = (error as { code?: string })?.code ?? (error as Error)?.name ?? 'error'
    throw new CliUsageError(`cannot read ${prefix}${path} (${reason})`, option)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new CliUsageError(`${prefix}${path} is not UTF-8 text`, option)
  }
  return prefix === 'file://' ? text.replace(/\r\n?/g, '\n') : text
}

const looksLike = (word: string | undefined, opening: string) =>
  word !== undefined && word.trimStart().startsWith(opening)

const parseJson = (option: string, text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new CliUsageError(`invalid JSON (${(error as Error).message})`, option)
  }
}

const parseOneShorthand = (option: string, word: string, index: number) => {
  try {
    return parseShorthand(word)
  } catch (error) {
    if (!(error instanceof ShorthandSyntaxError)) throw error
    throw new CliUsageError(
      `cannot read the ${ordinal(index)} value as shorthand: ${error.message} at character ${error.index + 1}`,
      option,
    )
  }
}

const typeName = (value: unknown) => {
  if (Array.isArray(value)) return 'a list'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'a structure'
  return `a ${typeof value}`
}

// Checks a value (from JSON or shorthand) against the model and copies it: only the model's own
// members reach the request, in the model's order.
const conform = (option: string, shape: Shape, value: unknown, path: string): unknown => {
  const wrong = (expected: string): never => {
    throw new CliUsageError(`${path} must be ${expected}, not ${typeName(value)}`, option)
  }
  if (shape.type === 'string') {
    if (typeof value !== 'string') wrong('a string')
    return value
  }
  if (shape.type === 'integer') {
    if (typeof value === 'number' && Number.isInteger(value)) return value
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value)
    return wrong('an integer')
  }
  if (shape.type === 'list') {
    if (!Array.isArray(value)) wrong('a list')
    return (value as unknown[]).map((item, index) =>
      conform(option, shape.member, item, `${path}[${index}]`),
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) wrong('a structure')
  const record = value as Record<string, unknown>
  const names = Object.keys(shape.members)
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(shape.members, name)) {
      throw new CliUsageError(
        `unknown parameter "${name}" in ${path}, must be one of: ${names.join(', ')}`,
        option,
      )
    }
  }
  const result: Record<string, unknown> = {}
  for (const name of names) {
    if (!Object.hasOwn(record, name) || record[name] === undefined) {
      if (shape.required.includes(name)) {
        throw new CliUsageError(`missing required parameter "${name}" in ${path}`, option)
      }
      continue
    }
    result[name] = conform(option, shape.members[name]!, record[name], `${path}.${name}`)
  }
  return result
}

const structureOf = (option: string, word: string, index: number): unknown =>
  looksLike(word, '{') ? parseJson(option, word) : parseOneShorthand(option, word, index)

/**
 * Turns the words given to one option into the API value of `shape`, reading `file://` and
 * `fileb://` words, JSON and shorthand as the AWS CLI v2 does. `member` names the parameter in
 * messages (`Tags`).
 */
export const toParameter = async (
  option: string,
  member: string,
  shape: Shape,
  words: string[],
  readFile: ReadFile,
  env: Record<string, string | undefined>,
): Promise<unknown> => {
  const fromFile = words.length === 1 && /^fileb?:\/\//.test(words[0]!)
  const loaded = fromFile ? [await loadParameterFile(option, words[0]!, readFile, env)] : words
  if (shape.type !== 'list') {
    if (loaded.length !== 1) throw new CliUsageError('takes exactly one value', option)
    const word = loaded[0]!
    if (shape.type === 'structure')
      return conform(option, shape, structureOf(option, word, 0), member)
    return conform(option, shape, word, member)
  }
  if (loaded.length === 1 && looksLike(loaded[0], '[')) {
    return conform(option, shape, parseJson(option, loaded[0]!), member)
  }
  // A file holds one text, not the words of a command line: only a JSON list is unambiguous.
  if (fromFile) {
    throw new CliUsageError(`the file must hold a JSON list: ${syntaxOf(shape)}`, option)
  }
  if (shape.member.type === 'structure') {
    const items = loaded.map((word, index) => structureOf(option, word, index))
    return conform(option, shape, items, member)
  }
  // A comma once separated the items of these options; a value that still holds one would be sent
  // as one item, which is not what its writer meant.
  const withComma = loaded.findIndex((word) => word.includes(','))
  if (withComma !== -1) {
    throw new CliUsageError(
      `the ${ordinal(withComma)} value holds a comma: give the values separated by spaces (${syntaxOf(shape)})`,
      option,
    )
  }
  return conform(option, shape, loaded, member)
}

export type { ShorthandValue }
