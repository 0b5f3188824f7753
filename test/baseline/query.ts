import { uriEncode } from './encode.ts'

/**
 * Flattens an input into the STS Query protocol form body: `Action=…&Version=2011-06-15&…`,
 * lists as `Name.member.N` (1-based), structures as `Name.Field`. Values are strictly RFC 3986
 * encoded, so a literal `+` reaches STS as `%2B` (form decoding would read a raw `+` as a space).
 */
export const toForm = (action: string, input: object): string => {
  const out = [`Action=${action}`, 'Version=2011-06-15']
  const walk = (name: string, v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(`${name}.member.${i + 1}`, x))
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(`${name}.${k}`, x)
    else if (v != null) out.push(`${uriEncode(name)}=${uriEncode(String(v))}`)
  }
  for (const [k, v] of Object.entries(input)) walk(k, v)
  return out.join('&')
}
