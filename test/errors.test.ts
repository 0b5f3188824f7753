// Error classes keep their names through a minifier (esbuild renames classes), and the codes
// StsError is typed with are the ones the AWS SDK v3 deserialises for STS.
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const minified = async () => {
  const out = await build({
    entryPoints: [new URL('../src/errors.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  })
  const code = Buffer.from(out.outputFiles[0]!.contents).toString('base64')
  return import(`data:text/javascript;base64,${code}`)
}

describe('error classes', () => {
  it('keep their names when minified', async () => {
    const m = await minified()
    expect(new m.EdgeStsError('X', 'x').name).toBe('EdgeStsError')
    expect(new m.StsError('Throttling', 'x').name).toBe('StsError')
    const v = new m.StsValidationError([{ param: 'p', rule: 'r', message: 'p: m' }])
    expect(v.name).toBe('StsValidationError')
    expect(String(v)).toBe('StsValidationError: p: m')
  })

  it('type StsError.code with every error code the AWS SDK v3 reads for STS', () => {
    const sdk = readFileSync(
      new URL('../node_modules/@aws-sdk/client-sts/dist-cjs/index.js', import.meta.url),
      'utf8',
    )
    const codes = [...sdk.matchAll(/\[_aQE\]: \[`(\w+)`/g)].map((m) => m[1]!)
    expect(codes.length).toBeGreaterThan(10)
    const ours = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8')
    for (const code of codes) expect(ours).toContain(`| '${code}'`)
  })
})
