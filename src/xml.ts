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

/** What every error of one read carries: the operation, the HTTP status, the request id header. */
interface ReadContext {
  action: string
  status: number | undefined
  headerRequestId: string | undefined
}

const responseError = (context: ReadContext, code: string, message: string, cause?: unknown) =>
  new StsError(code, message, {
    status: context.status,
    requestId: context.headerRequestId,
    cause,
  })

const invalidResponse = (context: ReadContext, why: string) =>
  responseError(context, 'InvalidResponse', `not a valid STS ${context.action} response: ${why}`)

/**
 * Reads an STS Query-protocol XML document as it streams in and extracts the leaves named by `paths`
 * (dotted, below `<{action}Result>`). Reading stops (and the stream is cancelled) as soon as
 * `</{action}Response>` arrives. Linear time on any input: the end-tag search looks only at new data,
 * and the document is then read in one pass that never looks back; anything it cannot read (a lone
 * `<`) rejects the document at once. A success document that repeats a wanted leaf is rejected (a
 * second `Credentials` would mix two credentials); in an error document the first wins.
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
  const response = body instanceof Response ? body : undefined
  const context: ReadContext = {
    action,
    status: response ? response.status : options.status,
    headerRequestId: response?.headers.get('x-amzn-requestid') ?? undefined,
  }
  const maxBytes = options.maxBytes ?? 65536
  let document: string
  if (isWhole(body)) document = decodeWhole(body, maxBytes, context)
  else if (response && hasKnownSize(response, maxBytes))
    document = decodeWhole(await bodyBytes(response, context), maxBytes, context)
  else document = await readStream(body, maxBytes, context)
  return extractFields(document, paths, context)
}

// ---- reading the bytes, under the size cap ---------------------------------------------------

const isWhole = (body: StsBody): body is string | Uint8Array | ArrayBuffer =>
  typeof body == 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer

// One fatal decoder for whole bodies (a call without `stream` starts afresh); streams get their own.
let wholeDecoder: TextDecoder | undefined

/** Bytes in hand: at most `maxBytes` of UTF-8. */
const decodeWhole = (
  body: string | Uint8Array | ArrayBuffer,
  maxBytes: number,
  context: ReadContext,
): string => {
  const bytes = typeof body == 'string' ? utf8.encode(body) : body
  if (bytes.byteLength > maxBytes) throw tooLarge(context, maxBytes)
  wholeDecoder ??= new TextDecoder('utf-8', { fatal: true })
  try {
    return wholeDecoder.decode(bytes)
  } catch {
    throw invalidUtf8(context)
  }
}

const tooLarge = (context: ReadContext, maxBytes: number) =>
  responseError(context, 'ResponseTooLarge', `the STS response is larger than ${maxBytes} bytes`)

const invalidUtf8 = (context: ReadContext) => invalidResponse(context, 'invalid UTF-8')

// `</AssumeRoleResponse>` with an optional namespace prefix, one pattern per action.
const endTags = new Map<string, RegExp>()
const endTagOf = (root: string): RegExp => {
  let pattern = endTags.get(root)
  if (!pattern) {
    pattern = new RegExp(`</([\\w.-]+:)?${root}\\s*>`)
    endTags.set(root, pattern)
  }
  return pattern
}

/**
 * Whether a `Response` declares a body of at most `maxBytes` that arrives as declared: an unused
 * body with a `Content-Length` and no `Content-Encoding` (HTTP framing ends it there; a compressed
 * body could decode to any size). Such a body is read whole by the runtime, which costs a fraction
 * of reading it chunk by chunk in JavaScript (on workerd ≈15 µs against ≈80 µs for 1.7 KB).
 */
const hasKnownSize = (response: Response, maxBytes: number): boolean => {
  const length = response.headers.get('content-length')
  if (response.bodyUsed || !length || response.headers.has('content-encoding')) return false
  return /^\d+$/.test(length) && Number(length) <= maxBytes
}

const bodyBytes = async (response: Response, context: ReadContext): Promise<ArrayBuffer> => {
  try {
    return await response.arrayBuffer()
  } catch (error) {
    throw responseError(context, 'NetworkError', 'reading the STS response failed', error)
  }
}

// Decoding a chunk that may end inside a character.
const STREAMING = { stream: true }

/**
 * A stream, or a `Response`'s: at most `maxBytes` of UTF-8, read until the success root closes.
 * (One function with the reads inlined: every async layer costs microtasks per chunk.)
 */
const readStream = async (
  body: Response | ReadableStream<Uint8Array>,
  maxBytes: number,
  context: ReadContext,
): Promise<string> => {
  const stream = body instanceof Response ? body.body : body
  if (!stream) return ''
  const root = context.action + 'Response'
  const endTag = endTagOf(root)
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let document = ''
  let bytes = 0
  let streamEnded = false
  try {
    reader = stream.getReader()
    const decoder = new TextDecoder('utf-8', { fatal: true })
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (error) {
        throw responseError(context, 'NetworkError', 'reading the STS response failed', error)
      }
      if (chunk.done) {
        streamEnded = true
        break
      }
      bytes += chunk.value.byteLength
      if (bytes > maxBytes) throw tooLarge(context, maxBytes)
      const before = document.length
      document += decoder.decode(chunk.value, STREAMING)
      // Only the new text (and the end of the old, where the end tag may have begun) is searched.
      const tail = before > root.length + 99 ? document.slice(before - root.length - 99) : document
      if (endTag.test(tail)) {
        streamEnded = await endsNow(reader)
        break
      }
    }
    return document + decoder.decode()
  } catch (error) {
    // The fatal decoder throws a TypeError on bytes that are not UTF-8.
    if (error instanceof TypeError) throw invalidUtf8(context)
    throw error
  } finally {
    // Stop the transfer when the document ended (or was rejected) before the stream did; a failing
    // cancel changes nothing.
    if (reader && !streamEnded) reader.cancel().catch(() => {})
  }
}

/**
 * Whether the stream reports its end within two microtasks. A body usually closes right after its
 * root: knowing so spares the cancel (≈20 µs in Node); anything else is cancelled by the caller.
 */
const endsNow = async (reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> => {
  let ended = false
  reader.read().then(
    (next) => {
      ended = next.done
    },
    () => {},
  )
  await 0
  await 0
  return ended
}

// ---- extracting the fields ---------------------------------------------------------------------

const LESS_THAN = 60 // <
const GREATER_THAN = 62 // >
const SLASH = 47 // /
const BANG = 33 // !
const QUESTION = 63 // ?
const COLON = 58 // :

/** `[A-Za-z_]`: the first character of a name. */
const isNameStart = (code: number) =>
  (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code == 95

/** `[\w.-]`: any other character of a name or a namespace prefix. */
const isNameChar = (code: number) =>
  isNameStart(code) || (code >= 48 && code <= 57) || code == 46 || code == 45

/** What `\s` matches: the whitespace that may follow a tag's name. */
const isSpace = (code: number) =>
  code == 32 || (code >= 9 && code <= 13) || (code > 127 && /\s/.test(String.fromCharCode(code)))

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
// `&` that starts no reference of XML 1.0: a stray ampersand or an unknown entity.
const STRAY_AMPERSAND = /&(?!(#x[\da-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);)/
const REFERENCE = /&(#?\w+);/g
// XML 1.0 §2.2: the characters a document may hold.
const LEGAL_CHARACTER = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u
// The leaves of an error document, read wherever they are.
const ERROR_LEAF = /^(Code|Message|Type|RequestId)$/
const REQUEST_ID_PATH = 'ResponseMetadata.RequestId'
// STS documents nest 5 deep; a deeper one is hostile or not STS, and is refused at once.
const MAX_DEPTH = 32

/** A markup read at a `<`: its kind, its local name (no prefix) or CDATA text, and where it ends. */
interface Markup {
  kind: 'start' | 'end' | 'empty' | 'cdata' | 'other'
  name: string
  end: number
}

/**
 * Reads the markup at `doc[at] == '<'` into `markup`: CDATA, a comment, a processing instruction,
 * or a start, end or empty-element tag with an optional namespace prefix and attributes (read as
 * anything up to the next `>`, which must come before the next `<`). False when it is none of these.
 * (One `markup` is filled again for every tag: a document has dozens, and each would be garbage.)
 */
const readMarkup = (doc: string, at: number, markup: Markup): boolean => {
  const next = doc.charCodeAt(at + 1)
  if (next == BANG) {
    if (doc.startsWith('![CDATA[', at + 1)) {
      const close = doc.indexOf(']]>', at + 9)
      return close >= 0 && setMarkup(markup, 'cdata', doc.slice(at + 9, close), close + 3)
    }
    if (doc.startsWith('!--', at + 1)) {
      const close = doc.indexOf('-->', at + 4)
      return close >= 0 && setMarkup(markup, 'other', '', close + 3)
    }
    return false
  }
  if (next == QUESTION) {
    const close = doc.indexOf('?>', at + 2)
    return close >= 0 && setMarkup(markup, 'other', '', close + 2)
  }
  const isEnd = next == SLASH
  let nameStart = isEnd ? at + 2 : at + 1
  let i = nameStart
  while (isNameChar(doc.charCodeAt(i))) i++
  if (doc.charCodeAt(i) == COLON && i > nameStart) {
    // What came before the colon was a namespace prefix.
    nameStart = i + 1
    i = nameStart
    while (isNameChar(doc.charCodeAt(i))) i++
  }
  if (i == nameStart || !isNameStart(doc.charCodeAt(nameStart))) return false
  const name = doc.slice(nameStart, i)
  const code = doc.charCodeAt(i)
  if (code == GREATER_THAN) return setMarkup(markup, tagKind(isEnd, false), name, i + 1)
  if (code == SLASH) {
    if (doc.charCodeAt(i + 1) != GREATER_THAN) return false
    return setMarkup(markup, tagKind(isEnd, true), name, i + 2)
  }
  if (!isSpace(code)) return false
  // Attributes: skipped up to the first `>`; a `<` before it makes the markup unreadable.
  const close = doc.indexOf('>', i + 1)
  if (close < 0) return false
  const nextTag = doc.indexOf('<', i + 1)
  if (nextTag >= 0 && nextTag < close) return false
  const empty = close - 1 > i && doc.charCodeAt(close - 1) == SLASH
  return setMarkup(markup, tagKind(isEnd, empty), name, close + 1)
}

const setMarkup = (markup: Markup, kind: Markup['kind'], name: string, end: number): true => {
  markup.kind = kind
  markup.name = name
  markup.end = end
  return true
}

// `</a/>` is read as an end tag, like `</a>`.
const tagKind = (isEnd: boolean, empty: boolean): Markup['kind'] => {
  if (isEnd) return 'end'
  if (empty) return 'empty'
  return 'start'
}

/** Text of a wanted leaf with its references replaced; rejects stray `&` and illegal characters. */
const decodeReferences = (text: string, context: ReadContext): string => {
  // A stray `&` is found by one search that stops there (a replace would first collect every match).
  if (STRAY_AMPERSAND.test(text)) throw invalidResponse(context, 'bad entity or stray "&"')
  return text.replace(REFERENCE, (_, reference: string) => {
    const character = characterOf(reference)
    if (!LEGAL_CHARACTER.test(character)) throw invalidResponse(context, 'bad character reference')
    return character
  })
}

const characterOf = (reference: string): string => {
  if (reference[0] != '#') return ENTITIES[reference]!
  // Number('0x2F') and Number('047') both read a character reference ('#x2F' → '0x2F', '#47' → '047').
  const codePoint = Number('0' + reference.slice(1))
  if (codePoint >= 0x110000) return ''
  return String.fromCodePoint(codePoint)
}

/**
 * The wanted leaves of a success document as a tree of element names: the node of
 * `AssumeRoleResult` › `Credentials` › `AccessKeyId` has the leaf `Credentials.AccessKeyId` (the
 * string from `paths` itself: a constant, cheap as a property key). Walking it per element costs a
 * map lookup, where building each element's dotted path would cost a string.
 */
interface PathNode {
  children: Map<string, PathNode>
  leaf?: string
}

const childOf = (node: PathNode, name: string): PathNode => {
  let child = node.children.get(name)
  if (!child) {
    child = { children: new Map() }
    node.children.set(name, child)
  }
  return child
}

// Built once per `paths` array (operations pass the same constant array on every call).
const pathTrees = new WeakMap<readonly string[], { action: string; root: PathNode }>()
const pathTreeOf = (action: string, paths: readonly string[]): PathNode => {
  const cached = pathTrees.get(paths)
  if (cached?.action == action) return cached.root
  const root: PathNode = { children: new Map() }
  const add = (dottedPath: string, leaf: string) => {
    let node = root
    for (const name of dottedPath.split('.')) node = childOf(node, name)
    // The first of repeated paths wins.
    node.leaf ??= leaf
  }
  for (const path of paths) add(action + 'Result.' + path, path)
  add(REQUEST_ID_PATH, REQUEST_ID_PATH)
  pathTrees.set(paths, { action, root })
  return root
}

/**
 * The node of an element of a success document: its parent's child of its name, down to 5 levels;
 * undefined where nothing below can be wanted. A name with dots walks one step per dotted part, so
 * `<AssumeRoleResult.Credentials>` stands where `<AssumeRoleResult><Credentials>` would (paths are
 * dotted names, and were matched as such).
 */
const nodeBelow = (depth: number, name: string, parent: PathNode | undefined) => {
  if (depth > 5 || !parent) return undefined
  if (!name.includes('.')) return parent.children.get(name)
  let node: PathNode | undefined = parent
  for (const part of name.split('.')) node = node?.children.get(part)
  return node
}

/**
 * Extracts the wanted leaves from a whole document: one pass from left to right, `indexOf` for the
 * next `<`, character codes for names; text is copied only inside a wanted leaf.
 */
const extractFields = (doc: string, paths: readonly string[], context: ReadContext): XmlFields => {
  const root = context.action + 'Response'
  const pathTree = pathTreeOf(context.action, paths)
  const values: Record<string, string> = {}
  const open: string[] = [] // local names of the open elements
  // The path node of each open element of a success document (the root's is the tree).
  const nodeAt: (PathNode | undefined)[] = []
  let rootName: string | undefined
  let isSuccess = false
  let leaf: string | undefined // the key of the leaf being captured
  let leafText = ''
  const markup: Markup = { kind: 'other', name: '', end: 0 }
  let i = 0
  while (i < doc.length) {
    let lt = doc.indexOf('<', i)
    if (lt < 0) lt = doc.length
    if (leaf !== undefined) {
      const text = doc.slice(i, lt)
      // Most values hold no reference: one includes() spares both regular expressions.
      leafText += text.includes('&') ? decodeReferences(text, context) : text
    } else if (open.length == 0 && lt > i && /\S/.test(doc.slice(i, lt))) {
      throw invalidResponse(context, 'text outside the root element')
    }
    if (lt == doc.length) break
    if (!readMarkup(doc, lt, markup)) throw invalidResponse(context, 'malformed markup')
    i = markup.end
    if (markup.kind == 'cdata') {
      if (open.length == 0) throw invalidResponse(context, 'CDATA outside the root element')
      if (leaf !== undefined) leafText += markup.name
      continue
    }
    if (markup.kind == 'other') continue
    const name = markup.name
    if (markup.kind != 'end') {
      if (leaf !== undefined) throw invalidResponse(context, 'markup inside a value')
      if (open.length == 0) {
        rootName = name
        isSuccess = name == root
        if (!isSuccess && name != 'ErrorResponse' && name != 'Error')
          throw invalidResponse(context, `root element <${name}>`)
      }
      open.push(name)
      const depth = open.length
      if (depth > MAX_DEPTH) throw invalidResponse(context, 'nested deeper than 32 elements')
      leaf = isSuccess ? successLeaf(depth, name, nodeAt, pathTree) : errorLeaf(name)
      leafText = ''
    }
    if (markup.kind != 'start') {
      if (open.pop() != name) throw invalidResponse(context, 'mismatched end tag')
      if (leaf !== undefined) {
        if (isSuccess && Object.hasOwn(values, leaf))
          throw invalidResponse(context, `repeated <${leaf}>`)
        // In an error document the first of repeated leaves wins.
        if (!Object.hasOwn(values, leaf)) values[leaf] = leafText
      }
      leaf = undefined
      // The document ends with its root: what follows is not read.
      if (open.length == 0) break
    }
  }
  if (rootName === undefined || open.length > 0)
    throw invalidResponse(context, doc.trim() ? 'truncated' : 'empty body')
  return isSuccess ? successFields(values, context) : errorResult(values, context)
}

/** The key a start tag of a success document is captured under, if it is wanted. */
const successLeaf = (
  depth: number,
  name: string,
  nodeAt: (PathNode | undefined)[],
  pathTree: PathNode,
) => {
  const node = depth == 1 ? pathTree : nodeBelow(depth, name, nodeAt[depth - 2])
  nodeAt[depth - 1] = node
  return node?.leaf
}

/** Error documents: `Code`, `Message`, `Type` and `RequestId` wherever they are. */
const errorLeaf = (name: string): string | undefined => (ERROR_LEAF.test(name) ? name : undefined)

const successFields = (values: Record<string, string>, context: ReadContext): XmlFields => {
  const requestId = values[REQUEST_ID_PATH]?.trim() || context.headerRequestId
  delete values[REQUEST_ID_PATH]
  return { values, requestId }
}

const errorResult = (values: Record<string, string>, context: ReadContext): never => {
  const code = values.Code?.trim()
  if (!code) throw invalidResponse(context, 'error without a Code')
  throw new StsError(code, values.Message?.trim() || code, {
    type: values.Type?.trim(),
    requestId: values.RequestId?.trim() || context.headerRequestId,
    status: context.status,
  })
}
