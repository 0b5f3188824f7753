/** UTF-8 encoder shared by every module. */
export const utf8: TextEncoder = /* @__PURE__ */ new TextEncoder()

// The 256 two-digit lower-case hex strings, made on first use.
let hexOfByte: string[] | undefined

/** Lower-case hex of a digest or HMAC. */
export const hex = (buffer: ArrayBuffer): string => {
  hexOfByte ??= Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))
  let text = ''
  for (const byte of new Uint8Array(buffer)) text += hexOfByte[byte]
  return text
}

// Everything but the unreserved characters of RFC 3986.
const RESERVED = /[^\w.~-]/
// What encodeURIComponent leaves raw although RFC 3986 reserves it.
const LEFT_RAW = /[!'()*]/g

/**
 * RFC 3986 percent-encoding as SigV4 requires it: only `A-Z a-z 0-9 - _ . ~` stay as they are
 * (space is `%20`, `+` is `%2B`, `*` is `%2A`). `encodeURIComponent` leaves `! ' ( ) *` raw.
 */
export const uriEncode = (text: string): string => {
  // Most names and values need no escape: one test halves the cost of a form body.
  if (!RESERVED.test(text)) return text
  return encodeURIComponent(text).replace(
    LEFT_RAW,
    (character) => '%' + character.charCodeAt(0).toString(16).toUpperCase(),
  )
}
