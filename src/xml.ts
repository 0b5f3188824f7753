import { StsError } from './errors.ts'

/** What {@link readStsXml} and `parseStsResponse` accept. */
export type StsBody = Response | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | string

export interface ReadXmlOptions {
  /** Bytes read at most before failing with `ResponseTooLarge` (default 65536). */
  maxBytes?: number
  /** HTTP status to attach to errors when the body is not a `Response` (a `Response`'s own status wins). */
  status?: number
}

/** Leaves found in an STS success document. */
export interface XmlFields {
  /** Raw text (entities and CDATA decoded, not trimmed) by dotted path below `<{Action}Result>`; absent leaves are missing keys. */
  values: Record<string, string>
  /** `ResponseMetadata/RequestId`, or the `x-amzn-requestid` header. */
  requestId?: string
}

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
// Legal XML characters (XML 1.0 §2.2), for numeric character references.
const XML_CHAR = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u
const ERROR_LEAVES = /^(Code|Message|Type|RequestId)$/

/**
 * Reads an STS Query-protocol XML document as it streams in and extracts the leaves named by `paths`
 * (dotted, below `<{action}Result>`). Linear time: a single pass in which every character is searched
 * at most once, however the body is chunked; stops reading (and cancels the stream) as soon as the
 * root element is closed. The first occurrence of a repeated leaf wins.
 *
 * Rejects with `StsError`: the STS code of an error document (`<ErrorResponse>`, a bare `<Error>`, or
 * an `<Errors>` wrapper), or `InvalidResponse` (empty, truncated, malformed, not XML, DOCTYPE, another
 * operation's document), `ResponseTooLarge`, `NetworkError` (the stream failed).
 */
export const readStsXml = async (body: StsBody, action: string, paths: readonly string[], options: ReadXmlOptions = {}): Promise<XmlFields> => {
  const max = options.maxBytes ?? 65536
  let status = options.status
  let headerId: string | undefined
  let source: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | string | null = body as any
  if (body instanceof Response) {
    status = body.status
    headerId = body.headers.get('x-amzn-requestid') ?? undefined
    source = body.body
  }
  const fail = (code: string, message: string, cause?: unknown): never => {
    throw new StsError(code, message, { status, requestId: headerId, cause })
  }
  const bad = (why: string) => fail('InvalidResponse', `the STS response is not a valid ${action} or error document: ${why}`)

  const wanted = new Map(paths.map((p) => [`${action}Result.${p}`, p]))
  wanted.set('ResponseMetadata.RequestId', '')
  const values: Record<string, string> = {}
  const path: string[] = []
  const qnames: string[] = []
  let root: string | undefined
  let doc = ''
  let pos = 0 // start of the first token not yet consumed
  let scan = 0 // everything before `scan` is known not to hold the terminator being looked for
  let capture: string | undefined
  let captureDepth = 0
  let buf = ''

  const find = (term: string, from: number) => {
    const i = doc.indexOf(term, Math.max(from, scan - term.length + 1))
    if (i < 0) scan = doc.length
    return i
  }
  const text = (raw: string) => {
    if (capture !== undefined && path.length == captureDepth)
      buf += raw.replace(/&(?:#(\d{1,7});|#x([\da-fA-F]{1,6});|(\w+);)?/g, (_, d, h, n) => {
        const cp = parseInt(d ?? h, d ? 10 : 16)
        const c = n ? ENTITY[n] : cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined
        return c && XML_CHAR.test(c) ? c : bad('bad entity or stray "&"')
      })
    else if (!qnames.length && /\S/.test(raw)) bad('text outside the root element')
  }
  // Consumes every complete token of `doc`; true once the root element is closed.
  const step = (final: boolean): boolean => {
    while (pos < doc.length) {
      if (doc[pos] != '<') {
        const lt = find('<', pos)
        if (lt < 0 && !final) return false
        text(doc.slice(pos, lt < 0 ? doc.length : lt))
        if (lt < 0) break
        pos = scan = lt
      }
      // Enough characters to tell `<![CDATA[` and `<!--` from a tag.
      if (!final && doc.length - pos < (doc[pos + 1] == '!' ? 9 : 2)) return false
      const open = doc.startsWith('<![CDATA[', pos) ? 9 : doc.startsWith('<!--', pos) ? 4 : doc.startsWith('<?', pos) ? 2 : 1
      if (open == 1 && doc[pos + 1] == '!') bad('DOCTYPE or unknown markup')
      const term = open == 9 ? ']]>' : open == 4 ? '-->' : open == 2 ? '?>' : '>'
      const end = find(term, pos + open)
      if (end < 0) {
        if (final) bad('unterminated markup')
        return false
      }
      const token = doc.slice(pos + open, end)
      pos = scan = end + term.length
      if (open == 9) {
        if (!qnames.length) bad('CDATA outside the root element')
        if (capture !== undefined && path.length == captureDepth) buf += token
      } else if (open == 1) {
        const m = /^(\/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?:[\s/][^]*)?$/.exec(token) ?? bad('malformed tag')
        const [, close, prefix = '', name] = m
        if (close) {
          if (qnames.pop() != prefix + name) bad('mismatched end tag')
          if (capture !== undefined && path.length == captureDepth) {
            values[capture] ??= buf
            capture = undefined
          }
          path.pop()
          if (!qnames.length) return true
        } else {
          if (capture !== undefined) bad('markup inside a value')
          if (!root) {
            root = name!
            if (root != action + 'Response' && root != 'ErrorResponse' && root != 'Error') bad(`unexpected root <${root}>`)
          } else path.push(name!)
          const key = root == action + 'Response' ? path.join('.') : ERROR_LEAVES.test(name!) ? name! : ''
          if (wanted.has(key) || (root != action + 'Response' && key)) {
            capture = key
            captureDepth = path.length
            buf = ''
          }
          if (token.endsWith('/')) {
            // An empty element: an empty value.
            if (capture !== undefined) values[capture] ??= ''
            capture = undefined
            if (root && path.length) path.pop()
            else return true
          } else qnames.push(prefix + name)
        }
      }
    }
    return false
  }

  let done = false
  if (typeof source == 'string') {
    if (source.length > max) fail('ResponseTooLarge', `the STS response is larger than ${max} bytes`)
    doc = source
    done = step(true)
  } else if (source && !(source instanceof ReadableStream)) {
    if (source.byteLength > max) fail('ResponseTooLarge', `the STS response is larger than ${max} bytes`)
    try {
      doc = new TextDecoder('utf-8', { fatal: true }).decode(source)
    } catch {
      bad('invalid UTF-8')
    }
    done = step(true)
  } else if (source) {
    const reader = source.getReader()
    const decoder = new TextDecoder('utf-8', { fatal: true })
    let bytes = 0
    try {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>
        try {
          r = await reader.read()
        } catch (e) {
          return fail('NetworkError', 'reading the STS response failed', e)
        }
        if (!r.done && (bytes += r.value.byteLength) > max) fail('ResponseTooLarge', `the STS response is larger than ${max} bytes`)
        try {
          doc += r.done ? decoder.decode() : decoder.decode(r.value, { stream: true })
        } catch {
          bad('invalid UTF-8')
        }
        if ((done = step(r.done)) || r.done) break
      }
    } finally {
      // Stop the transfer once the document is complete or rejected; a failing cancel changes nothing.
      reader.cancel().catch(() => {})
    }
  }
  if (!done) bad(doc.trim() ? 'truncated' : 'empty body')
  const requestId = values[root == action + 'Response' ? 'ResponseMetadata.RequestId' : 'RequestId']?.trim() || headerId
  if (root != action + 'Response') {
    const code = values.Code?.trim() || bad('error without a Code')
    throw new StsError(code, values.Message?.trim() || code, { type: values.Type?.trim(), requestId, status })
  }
  const out: Record<string, string> = {}
  for (const [key, p] of wanted) if (p && key in values) out[p] = values[key]!
  return { values: out, requestId }
}
