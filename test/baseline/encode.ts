/** UTF-8 encoder shared by every module. */
export const utf8 = /* @__PURE__ */ new TextEncoder()

/** Lower-case hex of a digest or HMAC. */
let HEX: string[] | undefined
export const hex = (buf: ArrayBuffer): string => {
  HEX ??= Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1))
  let s = ''
  for (const b of new Uint8Array(buf)) s += HEX[b]
  return s
}

/**
 * RFC 3986 percent-encoding as SigV4 requires it: only `A-Z a-z 0-9 - _ . ~` stay as they are
 * (space is `%20`, `+` is `%2B`, `*` is `%2A`). `encodeURIComponent` leaves `! ' ( ) *` raw.
 */
export const uriEncode = (s: string): string =>
  // Most names and values need no escape: one test halves the cost of a form body.
  /[^\w.~-]/.test(s)
    ? encodeURIComponent(s).replace(
        /[!'()*]/g,
        (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
      )
    : s
