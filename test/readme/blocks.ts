// Reads the fenced code blocks of a Markdown file with what a test needs to name and treat each:
// the heading it sits under, its place under that heading, its line, its language and the
// `<!-- readme: … -->` directive on the line before it.

/** The languages the README harness runs; other fences (ini, json, text) are prose. */
export type BlockLanguage = 'ts' | 'js' | 'sh'

/**
 * What the line before a block asks for:
 * - `run`: type-checked (TypeScript) and run (no directive);
 * - `typecheck-only`: `<!-- readme: typecheck-only -->` (or `typecheck-only (why)`), type-checked, not run;
 * - `skip`: `<!-- readme: skip (reason) -->`, neither; the reason names the test;
 * - `invalid`: a `readme:` comment the harness does not know (a typo fails its test).
 */
export type Directive =
  | { kind: 'run' }
  | { kind: 'typecheck-only' }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; text: string }

export interface CodeBlock {
  /** The nearest heading above the block, inline code marks removed. */
  heading: string
  /** 1-based place among the harness's blocks under that heading. */
  index: number
  /** 1-based line of the opening fence. */
  line: number
  language: BlockLanguage
  /** The block's text, its fence indentation removed. */
  code: string
  directive: Directive
}

const LANGUAGES: Record<string, BlockLanguage> = {
  ts: 'ts',
  typescript: 'ts',
  mts: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
}

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/
const HEADING = /^#{1,6}\s+(.+?)\s*#*\s*$/
const DIRECTIVE = /^\s*<!--\s*readme:\s*(.*?)\s*-->\s*$/

export function parseDirective(text: string): Directive {
  // `typecheck-only (why)`: the note says why the block cannot run offline.
  if (/^typecheck-only(\s*\(.+\))?$/.test(text)) return { kind: 'typecheck-only' }
  const skip = /^skip\s*\((.+)\)$/.exec(text)
  if (skip) return { kind: 'skip', reason: skip[1]!.trim() }
  return { kind: 'invalid', text }
}

export function extractBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/)
  const blocks: CodeBlock[] = []
  const countUnderHeading = new Map<string, number>()
  let heading = '(top)'
  let previousLine = ''
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const text = lines[lineIndex]!
    const open = FENCE_OPEN.exec(text)
    if (!open) {
      const title = HEADING.exec(text)
      if (title) heading = title[1]!.replace(/`/g, '')
      if (text.trim() !== '') previousLine = text
      continue
    }
    const indent = open[1]!.length
    const fence = open[2]!
    const body: string[] = []
    const openingLine = lineIndex + 1
    lineIndex++
    while (lineIndex < lines.length) {
      const candidate = lines[lineIndex]!
      const closing = candidate.trim()
      if (closing.startsWith(fence) && /^[`~]+$/.test(closing)) break
      body.push(candidate.slice(Math.min(indent, candidate.length - candidate.trimStart().length)))
      lineIndex++
    }
    const directiveMatch = DIRECTIVE.exec(previousLine)
    previousLine = ''
    const language = LANGUAGES[open[3]!.toLowerCase()]
    if (!language) continue
    const index = (countUnderHeading.get(heading) ?? 0) + 1
    countUnderHeading.set(heading, index)
    blocks.push({
      heading,
      index,
      line: openingLine,
      language,
      code: body.join('\n') + '\n',
      directive: directiveMatch ? parseDirective(directiveMatch[1]!) : { kind: 'run' },
    })
  }
  return blocks
}

/** The name a test gives a block: heading, place and line, so a failure says which example broke. */
export function blockName(block: CodeBlock): string {
  return `${block.heading} #${block.index} (${block.language}, README.md:${block.line})`
}
