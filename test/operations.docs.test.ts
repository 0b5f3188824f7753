// Every field of every exported input and output type carries TSDoc, so that an editor's hover
// explains it (the limits of the STS API reference). Read with the TypeScript compiler's parser.
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const file = new URL('../src/operations.ts', import.meta.url)
const source = ts.createSourceFile(
  'operations.ts',
  readFileSync(file, 'utf8'),
  ts.ScriptTarget.Latest,
  true,
)

const undocumented: string[] = []
const visit = (node: ts.Node, owner: string): void => {
  if (ts.isInterfaceDeclaration(node)) owner = node.name.text
  if (ts.isPropertySignature(node) && owner) {
    const docs = ts.getJSDocCommentsAndTags(node)
    if (!docs.length) undocumented.push(`${owner}.${node.name.getText(source)}`)
  }
  ts.forEachChild(node, (child) => visit(child, owner))
}

describe('operations.ts types', () => {
  it('document every field of every interface', () => {
    visit(source, '')
    expect(undocumented).toEqual([])
  })

  it('give the API reference limits in the docs of the fields that have them', () => {
    const text = source.getFullText()
    expect(text).toMatch(/RoleSessionName.*2–64 characters/s)
    expect(text).toMatch(/900 \(15 minutes\) to 43200 \(12 hours\)/)
    expect(text).toMatch(
      /MinimumSessionTokenSize|Bytes the session token is padded to at least: 0–4096/,
    )
  })
})
