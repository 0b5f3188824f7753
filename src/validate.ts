import { StsValidationError, type ValidationIssue } from './errors.ts'

/** Records one broken rule. */
export type Add = (param: string, rule: string, message: string) => void
/** Checks one value (absent values pass unless wrapped in {@link req}). */
export type Check = (v: any, param: string, add: Add) => void

/** A string of `min`–`max` UTF-16 code units; `bad` matches the first disallowed character. */
export const str =
  (min: number, max: number, bad?: RegExp): Check =>
  (v, p, add) => {
    let m
    if (v == null) return
    if (typeof v != 'string') add(p, 'type', 'must be a string')
    else if (v.length < min || v.length > max)
      add(p, 'length', `must be ${min}-${max} characters long, not ${v.length}`)
    // The allowed set is the API reference's own pattern, e.g. [\w+=,.@-].
    else if ((m = bad?.exec(v)))
      add(
        p,
        'pattern',
        `the character at index ${m.index} is not in ${bad!.source.replace('^', '')}`,
      )
  }

/** An integer from `min` to `max`. */
export const int =
  (min: number, max: number): Check =>
  (v, p, add) =>
    v != null &&
    !(Number.isInteger(v) && v >= min && v <= max) &&
    add(p, 'range', `must be an integer from ${min} to ${max}`)

/** An array of at most `max` items, each checked by `item`. */
export const list =
  (max: number, item: Check): Check =>
  (v, p, add) =>
    v == null ||
    (Array.isArray(v)
      ? (v.length > max && add(p, 'count', `must have at most ${max} items`),
        v.forEach((x, i) => item(x, `${p}[${i}]`, add)))
      : add(p, 'type', 'must be an array'))

/** One of the values the API reference lists. */
export const one =
  (...values: string[]): Check =>
  (v, p, add) =>
    v != null && !values.includes(v) && add(p, 'enum', `must be one of ${values.join(', ')}`)

/** A structure whose fields are all required. */
export const struct =
  (fields: Record<string, Check>): Check =>
  (v, p, add) => {
    for (const k in fields) req(fields[k]!)(v?.[k], `${p}.${k}`, add)
  }

/** Makes a check fail on an absent value. */
export const req =
  (check: Check): Check =>
  (v, p, add) =>
    v == null ? add(p, 'required', 'is required') : check(v, p, add)

/**
 * Checks `input` against `spec` (and an optional cross-field rule) and throws one
 * {@link StsValidationError} listing every broken rule. Values are never echoed.
 */
export const validate = (
  input: any,
  spec: Record<string, Check>,
  extra?: (input: any, add: Add) => void,
): void => {
  const issues: ValidationIssue[] = []
  const add: Add = (param, rule, message) =>
    void issues.push({ param, rule, message: `${param}: ${message}` })
  if (!input || typeof input != 'object') add('input', 'type', 'must be an object')
  else {
    for (const k in spec) spec[k]!(input[k], k, add)
    for (const k in input) k in spec || add(k, 'unknown', 'is not a parameter of this operation')
    extra?.(input, add)
  }
  if (issues.length) throw new StsValidationError(issues)
}

/** ARNs: any character but controls other than TAB/LF/CR, and lone surrogates (STS API reference). */
export const ARN = (): Check =>
  str(20, 2048, /[^\t\n\r\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u)
/** `[\w+=,.@-]`: role session names, source identities. */
export const NAME = (min: number, max: number): Check => str(min, max, /[^\w+=,.@-]/)
