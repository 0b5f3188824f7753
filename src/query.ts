import { uriEncode } from './encode.ts'

/**
 * Flattens an input into the STS Query protocol form body: `Action=…&Version=2011-06-15&…`,
 * lists as `Name.member.N` (1-based), structures as `Name.Field`. Values are strictly RFC 3986
 * encoded, so a literal `+` reaches STS as `%2B` (form decoding would read a raw `+` as a space).
 * Only own enumerable keys are read (the input was validated against the operation's names).
 */
export const toForm = (action: string, input: object): string => {
  const pairs = [`Action=${action}`, 'Version=2011-06-15']
  const addValue = (name: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++)
        addValue(`${name}.member.${index + 1}`, value[index])
    } else if (value && typeof value == 'object') {
      for (const [key, field] of Object.entries(value)) addValue(`${name}.${key}`, field)
    } else if (value != null) {
      pairs.push(`${uriEncode(name)}=${uriEncode(String(value))}`)
    }
  }
  for (const [key, value] of Object.entries(input)) addValue(key, value)
  return pairs.join('&')
}
