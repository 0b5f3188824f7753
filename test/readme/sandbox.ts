// A temporary project the README examples are written into, seen from outside the package as a
// user sees it: `edge-sts` (and every subpath) resolves through the package.json `exports` of the
// repository (node_modules/edge-sts links to it), so the examples use the build output and its
// declared types, whatever entries exist. Deno examples get an import map built the same way for
// each `npm:` / `jsr:` specifier they name (jsr: from jsr.json, when the package has one).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'

type ExportTarget = string | null | ExportTarget[] | { [condition: string]: ExportTarget }

/** Node's conditional-exports rule: the first key (in the map's order) that is a wanted condition. */
export function resolveTarget(target: ExportTarget, conditions: string[]): string | undefined {
  if (typeof target === 'string') return target
  if (target === null) return undefined
  if (Array.isArray(target)) {
    for (const entry of target) {
      const resolved = resolveTarget(entry, conditions)
      if (resolved !== undefined) return resolved
    }
    return undefined
  }
  for (const [key, value] of Object.entries(target)) {
    if (!conditions.includes(key)) continue
    const resolved = resolveTarget(value, conditions)
    if (resolved !== undefined) return resolved
  }
  return undefined
}

interface Manifest {
  name: string
  exports?: ExportTarget | Record<string, ExportTarget>
  devDependencies?: Record<string, string>
}

/** The file a subpath ('.', './node', …) of a manifest's `exports` names, for the given conditions. */
export function resolveExport(
  manifest: Manifest,
  subpath: string,
  conditions: string[],
): string | undefined {
  const exportsField = manifest.exports
  if (exportsField === undefined || exportsField === null) return undefined
  const isSubpathMap =
    typeof exportsField === 'object' &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).every((key) => key.startsWith('.'))
  if (!isSubpathMap) return subpath === '.' ? resolveTarget(exportsField, conditions) : undefined
  const map = exportsField as Record<string, ExportTarget>
  if (!Object.hasOwn(map, subpath)) return undefined
  return resolveTarget(map[subpath]!, conditions)
}

const RUN_CONDITIONS = ['deno', 'import', 'default']
const TYPE_CONDITIONS = ['types', 'import', 'default']

/** The `npm:` and `jsr:` specifiers (name, optional version, optional subpath) a source imports. */
export function registrySpecifiers(source: string): string[] {
  const found = source.match(/(?<=['"])(?:npm|jsr):[^'"\s]+(?=['"])/g) ?? []
  return [...new Set(found)]
}

export interface Sandbox {
  dir: string
  /** Type errors (file → messages) of the TypeScript files given, checked as one strict program. */
  typecheck(files: string[]): Map<string, string[]>
  /** Writes the Deno configs (import map for running, and for checking against the types). */
  denoConfigs(sources: string[]): { run: string; check: string }
  remove(): void
}

// The strictest settings a user plausibly has: `strict` plus `exactOptionalPropertyTypes`.
const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  // Each example is its own module, with or without an import.
  moduleDetection: ts.ModuleDetectionKind.Force,
  skipLibCheck: true,
  noEmit: true,
}

// What a Worker project's generated types (`wrangler types`) declare: its bindings, as `Env`.
const AMBIENT = `interface Env {\n  [binding: string]: string\n}\n`

export function createSandbox(root: string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'edge-sts-readme-'))
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest
  const jsrPath = join(root, 'jsr.json')
  const jsrJson = existsSync(jsrPath)
    ? (JSON.parse(readFileSync(jsrPath, 'utf8')) as Manifest)
    : undefined
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(root, join(dir, 'node_modules', packageJson.name), 'dir')
  // The packages an example may use beside this one (aws4fetch, the AWS SDK, miniflare, @types/node):
  // the repository's own dev dependencies, as a user's project would have them installed.
  for (const name of Object.keys(packageJson.devDependencies ?? {})) {
    const installed = join(root, 'node_modules', name)
    if (!existsSync(installed)) continue
    mkdirSync(join(dir, 'node_modules', name, '..'), { recursive: true })
    symlinkSync(installed, join(dir, 'node_modules', name), 'dir')
  }
  writeFileSync(join(dir, 'ambient.d.ts'), AMBIENT)

  const targetFor = (specifier: string, purpose: 'run' | 'check'): string | undefined => {
    const parsed = /^(npm|jsr):((?:@[^/@]+\/)?[^/@]+)(?:@[^/]+)?(\/.*)?$/.exec(specifier)
    if (!parsed) return undefined
    const [, registry, name, subpath] = parsed
    const manifest = registry === 'npm' ? packageJson : jsrJson
    if (!manifest || manifest.name !== name) return undefined
    const entry = subpath ? `.${subpath}` : '.'
    // A jsr: import is checked against the npm build's declarations of the same entry: the JSR
    // exports are the TypeScript sources, whose own strictness is not the example's to prove.
    let file: string | undefined
    if (purpose === 'run') file = resolveExport(manifest, entry, RUN_CONDITIONS)
    else file = resolveExport(packageJson, entry, TYPE_CONDITIONS)
    return file === undefined ? undefined : pathToFileURL(join(root, file)).href
  }

  return {
    dir,
    typecheck(files) {
      const program = ts.createProgram([...files, join(dir, 'ambient.d.ts')], {
        ...COMPILER_OPTIONS,
        typeRoots: [join(dir, 'node_modules', '@types')],
      })
      const errors = new Map<string, string[]>(files.map((file) => [file, []]))
      for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
        const file = diagnostic.file?.fileName
        const position =
          diagnostic.file && diagnostic.start !== undefined
            ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
            : undefined
        const where = position ? `line ${position.line + 1}: ` : ''
        const text = `${where}TS${diagnostic.code}: ${message}`
        const list = file === undefined ? undefined : errors.get(file)
        if (list) list.push(text)
        else for (const each of errors.values()) each.push(`${file ?? '(program)'}: ${text}`)
      }
      return errors
    },
    denoConfigs(sources) {
      const specifiers = sources.flatMap(registrySpecifiers)
      const imports = (purpose: 'run' | 'check') => {
        const map: Record<string, string> = {}
        for (const specifier of specifiers) {
          const target = targetFor(specifier, purpose)
          if (target !== undefined) map[specifier] = target
        }
        return map
      }
      const compilerOptions = { strict: true, exactOptionalPropertyTypes: true }
      const run = join(dir, 'deno-run.json')
      const check = join(dir, 'deno-check.json')
      writeFileSync(run, JSON.stringify({ imports: imports('run'), compilerOptions }))
      writeFileSync(check, JSON.stringify({ imports: imports('check'), compilerOptions }))
      return { run, check }
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
