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

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/**
 * Reads an STS Query-protocol XML document as it streams in and extracts the leaves named by `paths`
 * (dotted, below `<{action}Result>`). Linear time: one pass in which every character is searched at
 * most once however the body is chunked; reading stops (and the stream is cancelled) as soon as the
 * root element closes. The first of a repeated leaf wins.
 *
 * Rejects with `StsError`: the STS code of an error document (`<ErrorResponse>`, a bare `<Error>`, an
 * `<Errors>` wrapper), or `InvalidResponse` (empty, truncated, malformed, not XML, DOCTYPE, another
 * operation's document), `ResponseTooLarge`, `NetworkError` (the stream failed).
 */
export const readStsXml = async (body: StsBody, action: string, paths: readonly string[], options: ReadXmlOptions = {}): Promise<XmlFields> => {
  const max = options.maxBytes ?? 65536
  const res = body instanceof Response ? body : new Response(body as BodyInit)
  const status = body instanceof Response ? res.status : options.status
  const headerId = res.headers.get('x-amzn-requestid') ?? undefined
  const root = action + 'Response'
  const fail = (code: string, message: string, cause?: unknown): never => {
    throw new StsError(code, message, { status, requestId: headerId, cause })
  }
  const bad = (why: string) => fail('InvalidResponse', `not a valid STS ${action} response: ${why}`)

  const wanted = new Map(paths.map((p) => [`${action}Result.${p}`, p]))
  wanted.set('ResponseMetadata.RequestId', '')
  const values: Record<string, string> = {}
  const stack: string[] = []
  let doc = ''
  let pos = 0 // start of the first token not yet consumed
  let scan = 0 // before `scan`, the terminator being searched for is known to be absent
  let key: string | undefined // the leaf being captured
  let top: string | undefined // the root element
  let buf = ''

  const find = (term: string) => {
    const i = doc.indexOf(term, Math.max(pos, scan - term.length + 1))
    if (i < 0) scan = doc.length
    return i
  }
  const text = (raw: string) => {
    if (key != null)
      buf += raw.replace(/&(?:(#x[\da-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);)?/g, (_, e?: string) => {
        // Number('0x2F') and Number('047') both read a character reference; XML 1.0 §2.2 legal characters only.
        const c = !e ? '' : e[0] == '#' ? (+('0' + e.slice(1)) < 0x110000 ? String.fromCodePoint(+('0' + e.slice(1))) : '') : ENTITIES[e]!
        return /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u.test(c) ? c : bad('bad entity or stray "&"')
      })
    else if (!stack.length && /\S/.test(raw)) bad('text outside the root element')
  }
  // One tag; true once the root element is closed.
  const tag = (token: string): boolean => {
    const [, end, name] = /^(\/?)(?:[\w.-]+:)?([A-Za-z_][\w.-]*)(?:[\s/][^]*)?$/.exec(token) ?? bad('malformed tag')
    if (end) {
      if (stack.pop() != name) bad('mismatched end tag')
      if (key != null) values[key] ??= buf
      key = undefined
      return !stack.length
    }
    if (key != null) bad('markup inside a value')
    if (!stack.length && (top = name) != root && name != 'ErrorResponse' && name != 'Error') bad(`root element <${name}>`)
    stack.push(name!)
    // Success: the dotted path below the root; errors: Code, Message, Type, RequestId wherever they are.
    const k = stack[0] == root ? stack.slice(1).join('.') : /^(Code|Message|Type|RequestId)$/.test(name!) ? name : ''
    if (stack[0] == root ? wanted.has(k!) : k) (key = k), (buf = '')
    return token.endsWith('/') && tag('/' + name)
  }
  // Consumes every complete token; true once the root element is closed.
  const step = (final: boolean): boolean => {
    while (pos < doc.length) {
      if (doc[pos] != '<') {
        const lt = find('<')
        // A text run is decoded whole: an entity may be split across chunks.
        if (lt < 0 && !final) return false
        text(doc.slice(pos, lt < 0 ? undefined : lt))
        if (lt < 0) return false
        pos = scan = lt
      }
      // Enough characters to tell `<![CDATA[` and `<!--` from a tag.
      if (!final && doc.length - pos < 9) return false
      const [open, term] = doc.startsWith('<![CDATA[', pos) ? [9, ']]>'] : doc.startsWith('<!--', pos) ? [4, '-->'] : doc.startsWith('<?', pos) ? [2, '?>'] : [1, '>']
      const end = find(term as string)
      if (end < 0) return final && bad('unterminated markup')
      const token = doc.slice(pos + (open as number), end)
      pos = scan = end + (term as string).length
      if (open == 9) {
        if (!stack.length) bad('CDATA outside the root element')
        if (key != null) buf += token
      } else if (open == 1 && tag(token)) return true
    }
    return false
  }

  const reader = res.body?.getReader()
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let bytes = 0
  let done = false
  try {
    while (reader && !done) {
      const r = await reader.read().catch((e) => fail('NetworkError', 'reading the STS response failed', e))
      if (r.value && (bytes += r.value.byteLength) > max) fail('ResponseTooLarge', `the STS response is larger than ${max} bytes`)
      try {
        doc += decoder.decode(r.value, { stream: !r.done })
      } catch {
        bad('invalid UTF-8')
      }
      done = step(r.done)
      if (r.done) break
    }
  } finally {
    // Stop the transfer once the document is complete or rejected; a failing cancel changes nothing.
    reader?.cancel().catch(() => {})
  }
  if (!done) bad(doc.trim() ? 'truncated' : 'empty body')
  const requestId = values[top == root ? 'ResponseMetadata.RequestId' : 'RequestId']?.trim() || headerId
  if (top != root) {
    const code = values.Code?.trim() || bad('error without a Code')
    throw new StsError(code, values.Message?.trim() || code, { type: values.Type?.trim(), requestId, status })
  }
  const out: Record<string, string> = {}
  for (const [k, p] of wanted) if (p && k in values) out[p] = values[k]!
  return { values: out, requestId }
}
