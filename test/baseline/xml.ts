import { utf8 } from './encode.ts'
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
 * (dotted, below `<{action}Result>`). Reading stops (and the stream is cancelled) as soon as
 * `</{action}Response>` arrives. Linear time on any input: the end-tag search looks only at new data,
 * and the document is then read by one pass of one regular expression whose alternatives start
 * with distinct characters; anything it cannot read (a lone `<`) rejects the document at once.
 * A success document that repeats a wanted leaf is rejected (a second `Credentials` would mix two
 * credentials); in an error document the first wins.
 *
 * Rejects with `StsError`: the STS code of an error document (`<ErrorResponse>`, a bare `<Error>`, an
 * `<Errors>` wrapper), or `InvalidResponse` (empty, truncated, malformed, not XML, DOCTYPE, another
 * operation's document), `ResponseTooLarge`, `NetworkError` (the stream failed).
 */
export const readStsXml = async (
  body: StsBody,
  action: string,
  paths: readonly string[],
  options: ReadXmlOptions = {},
): Promise<XmlFields> => {
  const max = options.maxBytes ?? 65536
  const res = body instanceof Response ? body : undefined
  const status = res ? res.status : options.status
  const headerId = res?.headers.get('x-amzn-requestid') ?? undefined
  const root = action + 'Response'
  const fail = (code: string, message: string, cause?: unknown): never => {
    throw new StsError(code, message, { status, requestId: headerId, cause })
  }
  const bad = (why: string) => fail('InvalidResponse', `not a valid STS ${action} response: ${why}`)
  const tooLarge = () => fail('ResponseTooLarge', `the STS response is larger than ${max} bytes`)
  let doc = ''
  try {
    if (typeof body == 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) {
      // Bytes in hand need no stream.
      const b = typeof body == 'string' ? utf8.encode(body) : body
      if (b.byteLength > max) tooLarge()
      doc = new TextDecoder('utf-8', { fatal: true }).decode(b)
    } else {
      // Read until the success root closes or the stream ends.
      const end = new RegExp(`</([\\w.-]+:)?${root}\\s*>`)
      const reader = (res ? res.body : (body as ReadableStream<Uint8Array>))?.getReader()
      const decoder = new TextDecoder('utf-8', { fatal: true })
      let bytes = 0
      let done = !reader
      try {
        while (!done) {
          let r
          try {
            r = await reader!.read()
          } catch (e) {
            fail('NetworkError', 'reading the STS response failed', e)
          }
          if ((done = r!.done)) break
          if ((bytes += r!.value.byteLength) > max) tooLarge()
          const seen = doc.length
          doc += decoder.decode(r!.value, { stream: true })
          if (end.test(doc.slice(Math.max(0, seen - root.length - 99)))) {
            // A body usually closes right after its root: a read that reports the end within two
            // microtasks spares the cancel (≈20 µs in Node); anything else is cancelled below.
            let next: ReadableStreamReadResult<Uint8Array> | undefined
            reader!.read().then(
              (r) => (next = r),
              () => {},
            )
            await 0
            await 0
            done = !!next?.done
            break
          }
        }
        doc += decoder.decode()
      } finally {
        // Stop the transfer when the document ended (or was rejected) before the stream did; a failing cancel changes nothing.
        if (!done) reader!.cancel().catch(() => {})
      }
    }
  } catch (e) {
    // The fatal decoder throws a TypeError on bytes that are not UTF-8.
    throw e instanceof TypeError ? bad('invalid UTF-8') : e
  }

  const result = action + 'Result.'
  const values: Record<string, string> = {}
  const stack: string[] = []
  const at: string[] = [] // dotted path below the root of each open element
  let top: string | undefined // the root element
  let key: string | undefined // the leaf being captured
  let buf = ''
  // Markup at a `<`; a lone `<` (the last alternative) is malformed. Text between tags is skipped by
  // indexOf, and copied only inside a wanted leaf.
  const tag =
    /<(?:!\[CDATA\[([^]*?)\]\]>|!--[^]*?-->|\?[^]*?\?>|(\/?)(?:[\w.-]+:)?([A-Za-z_][\w.-]*)(?:\s[^<>]*?)?(\/?)>)|</y
  for (let i = 0, lt; !(top && !stack.length) && i < doc.length;) {
    if ((lt = doc.indexOf('<', i)) < 0) lt = doc.length
    if (key != null) {
      let text = doc.slice(i, lt)
      // Most values hold no entity: one includes() spares both regular expressions (a fifth of the parse).
      if (text.includes('&')) {
        // A stray `&` is found by one search that stops there (a replace would first collect every match).
        if (/&(?!(#x[\da-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);)/.test(text))
          bad('bad entity or stray "&"')
        text = text.replace(/&(#?\w+);/g, (_, e: string) => {
          // Number('0x2F') and Number('047') both read a character reference; XML 1.0 §2.2 legal characters only.
          const c =
            e[0] == '#'
              ? +('0' + e.slice(1)) < 0x110000
                ? String.fromCodePoint(+('0' + e.slice(1)))
                : ''
              : ENTITIES[e]!
          return /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u.test(c)
            ? c
            : bad('bad character reference')
        })
      }
      buf += text
    } else if (!stack.length && /\S/.test(doc.slice(i, lt))) bad('text outside the root element')
    if (lt == doc.length) break
    tag.lastIndex = lt
    const [all, cdata, close, name, selfClose] = tag.exec(doc)!
    i = tag.lastIndex
    if (cdata != null) {
      if (!stack.length) bad('CDATA outside the root element')
      if (key != null) buf += cdata
    } else if (all == '<') bad('malformed markup')
    else if (name) {
      if (!close) {
        if (key != null) bad('markup inside a value')
        if (!stack.length && (top = name) != root && name != 'ErrorResponse' && name != 'Error')
          bad(`root element <${name}>`)
        // STS documents nest 5 deep; a deeper one is hostile or not STS, and is refused at once.
        const d = stack.push(name)
        if (d > 32) bad('nested deeper than 32 elements')
        // Success: the dotted path below the root (deeper than 4 levels nothing is wanted, so no path
        // is built there); errors: Code, Message, Type, RequestId wherever they are.
        const k =
          top == root
            ? (at[d - 1] =
                d < 3 ? (d > 1 ? name : '') : d < 6 && at[d - 2] ? at[d - 2] + '.' + name : '')
            : /^(Code|Message|Type|RequestId)$/.test(name)
              ? name
              : ''
        // Captured under the path's own string from `paths` (a constant: cheap as a property key).
        const j = top == root && k.startsWith(result) ? paths.indexOf(k.slice(result.length)) : -1
        if (j >= 0 || (top == root ? k == 'ResponseMetadata.RequestId' : k))
          ((key = paths[j] ?? k), (buf = ''))
      }
      if (close || selfClose) {
        if (stack.pop() != name) bad('mismatched end tag')
        if (key != null)
          top == root && key in values ? bad(`repeated <${key}>`) : (values[key] ??= buf)
        key = undefined
      }
    }
  }
  if (!top || stack.length) bad(doc.trim() ? 'truncated' : 'empty body')
  const requestId =
    values[top == root ? 'ResponseMetadata.RequestId' : 'RequestId']?.trim() || headerId
  if (top != root) {
    const code = values.Code?.trim() || bad('error without a Code')
    throw new StsError(code, values.Message?.trim() || code, {
      type: values.Type?.trim(),
      requestId,
      status,
    })
  }
  delete values['ResponseMetadata.RequestId']
  return { values, requestId }
}
