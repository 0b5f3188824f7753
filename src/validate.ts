import { StsValidationError, type ValidationIssue } from './errors.ts'

/** Records one broken rule. */
export type Add = (param: string, rule: string, message: string) => void
/** Checks one value (absent values pass unless wrapped in {@link req}). */
export type Check = (value: any, param: string, add: Add) => void

/** What a value is, for "must be a number, not a string": never the value itself. */
const kindOf = (value: unknown): string => {
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  if (type == 'object') return 'an object'
  return 'a ' + type
}

/** Reports a value of the wrong type: `must be ${expected}, not a string`. */
export const wrongType = (value: unknown, param: string, add: Add, expected: string): void =>
  add(param, 'type', `must be ${expected}, not ${kindOf(value)}`)

/** A string of `min`–`max` UTF-16 code units; `bad` matches the first disallowed character. */
export const str =
  (min: number, max: number, bad?: RegExp): Check =>
  (value, param, add) => {
    if (value == null) return
    if (typeof value != 'string') {
      wrongType(value, param, add, 'a string')
    } else if (value.length < min || value.length > max) {
      add(param, 'length', `must be ${min}-${max} characters long, not ${value.length}`)
    } else {
      // The allowed set is the API reference's own pattern, e.g. [\w+=,.@-].
      const disallowed = bad?.exec(value)
      if (disallowed) {
        const allowed = bad!.source.replace('^', '')
        add(param, 'pattern', `the character at index ${disallowed.index} is not in ${allowed}`)
      }
    }
  }

/** A number from `min` to `max`, an integer unless `fractions` is set. */
export const num =
  (min: number, max: number, fractions?: boolean): Check =>
  (value, param, add) => {
    if (value == null) return
    if (typeof value != 'number') {
      wrongType(value, param, add, 'a number')
    } else if (!(value >= min && value <= max && (fractions || Number.isInteger(value)))) {
      const what = fractions ? 'a number' : 'an integer'
      add(param, 'range', `must be ${what} from ${min} to ${max}`)
    }
  }

/** A value of a `typeof` type (`boolean`, `function`, ...), `expected` naming it in messages. */
export const typed =
  (type: string, expected = 'a ' + type): Check =>
  (value, param, add) => {
    if (value != null && typeof value != type) wrongType(value, param, add, expected)
  }

/** An array of at most `max` items, each present and checked by `item`. */
export const list =
  (max: number, item: Check): Check =>
  (value, param, add) => {
    if (value == null) return
    if (!Array.isArray(value)) {
      wrongType(value, param, add, 'an array')
      return
    }
    if (value.length > max) add(param, 'count', `must have at most ${max} items`)
    // An index loop, not forEach: a hole in a sparse array is a missing item at its own index.
    for (let index = 0; index < value.length; index++)
      req(item)(value[index], `${param}[${index}]`, add)
  }

/** One of the values the API reference lists. */
export const one =
  (...values: string[]): Check =>
  (value, param, add) => {
    if (value != null && !values.includes(value))
      add(param, 'enum', `must be one of ${values.join(', ')}`)
  }

/** Makes a check fail on an absent value. */
export const req =
  (check: Check): Check =>
  (value, param, add) => {
    if (value == null) add(param, 'required', 'is required')
    else check(value, param, add)
  }

// A likely meant name: the same but for case, or one a prefix of the other (timeout → timeoutMs).
const similar = (name: string, key: string): boolean => {
  const a = name.toLowerCase()
  const b = key.toLowerCase()
  return a.startsWith(b) || b.startsWith(a)
}

/**
 * @internal The fields of `value` against `spec`: each checked, and every own key that `spec` does
 * not have as its own reported as unknown, with a hint: the name `aliases` gives it, or a name of
 * `spec` that differs in case or by a suffix. Own properties only: `constructor`, `toString` and
 * `__proto__` are unknown names like any other.
 */
export const checkFields = (
  value: object,
  spec: Record<string, Check>,
  prefix: string,
  add: Add,
  unknown: string,
  aliases?: Record<string, string>,
): void => {
  const names = Object.keys(spec)
  // An inherited value counts as absent: only own keys are sent.
  for (const name of names) {
    const field = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined
    spec[name]!(field, prefix + name, add)
  }
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(spec, key)) continue
    let near = names.find((name) => key.length > 3 && similar(name, key))
    if (aliases && Object.hasOwn(aliases, key)) near = aliases[key]
    add(prefix + key, 'unknown', near ? `${unknown} (did you mean ${near}?)` : unknown)
  }
}

/** A structure whose fields are all required, and no others. */
export const struct = (fields: Record<string, Check>): Check => {
  const required: Record<string, Check> = {}
  for (const name of Object.keys(fields)) required[name] = req(fields[name]!)
  return (value, param, add) => {
    if (value == null) return
    if (typeof value != 'object' || Array.isArray(value)) wrongType(value, param, add, 'an object')
    else checkFields(value, required, param + '.', add, 'is not a field of this structure')
  }
}

/**
 * Runs `check` on everything an {@link Add} is given, then throws one error listing every issue.
 */
export const collect = (check: (add: Add) => void): void => {
  const issues: ValidationIssue[] = []
  check((param, rule, message) => {
    issues.push({ param, rule, message: `${param}: ${message}` })
  })
  if (issues.length) throw new StsValidationError(issues)
}

/**
 * Checks `input` against `spec` (and an optional cross-field rule) and throws one
 * {@link StsValidationError} listing every broken rule. Values are never echoed. `name` is the
 * parameter reported when `input` is not an object, `unknown` the message for a key `spec` lacks,
 * `aliases` the hints for keys that name something of `spec` differently.
 */
export const validate = (
  input: any,
  spec: Record<string, Check>,
  extra?: (input: any, add: Add) => void,
  name = 'input',
  unknown = 'is not a parameter of this operation',
  aliases?: Record<string, string>,
): void =>
  collect((add) => {
    if (!input || typeof input != 'object') add(name, 'type', 'must be an object')
    else {
      checkFields(input, spec, '', add, unknown, aliases)
      extra?.(input, add)
    }
  })

/**
 * ARNs: any character but controls other than TAB/LF/CR, and lone surrogates (STS API reference).
 */
export const ARN = (): Check =>
  str(20, 2048, /[^\t\n\r\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u)
/** `[\w+=,.@-]`: role session names, source identities. */
export const NAME = (min: number, max: number): Check => str(min, max, /[^\w+=,.@-]/)
