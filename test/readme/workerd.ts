// Runs a README Workers example (`export default { fetch }`) where it is meant to run: workerd, through
// Miniflare. The example is bundled by esbuild from the sandbox, so `edge-sts` resolves through the
// package's `exports` as in a user's Worker project; its bindings are the README environment; its
// outbound requests to https://*.amazonaws.com go to the local AWS of the test (original host in
// `x-readme-host`), anything else is refused. It is called once and must answer 2xx.
import { build } from 'esbuild'
import {
  Miniflare,
  Response as MiniflareResponse,
  type Request as MiniflareRequest,
} from 'miniflare'

const AWS_HOST = /(^|\.)amazonaws\.com(\.cn)?$/

/** Whether a block is a Workers module: a default export with a `fetch` handler. */
export const isWorkersExample = (code: string): boolean =>
  /^export default\s*\{/m.test(code) && /\bfetch\s*\(/.test(code)

export async function runInWorkerd(
  code: string,
  options: { resolveDir: string; localUrl: string; bindings: Record<string, string> },
): Promise<void> {
  const bundle = await build({
    stdin: {
      contents: code,
      loader: 'ts',
      resolveDir: options.resolveDir,
      sourcefile: 'worker.ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  const outbound = async (request: MiniflareRequest) => {
    const url = new URL(request.url)
    if (!AWS_HOST.test(url.hostname))
      throw new Error(`offline README test: ${url.host} is not reachable (only AWS hosts are)`)
    const headers = new Headers(request.headers as unknown as Headers)
    headers.set('x-readme-host', url.host)
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
    const answer = await fetch(new URL(url.pathname + url.search, options.localUrl), {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
    })
    return new MiniflareResponse(await answer.arrayBuffer(), {
      status: answer.status,
      headers: [...answer.headers],
    })
  }
  const miniflare = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    compatibilityDate: '2025-09-01',
    bindings: options.bindings,
    outboundService: outbound,
  })
  try {
    const response = await miniflare.dispatchFetch('http://localhost/')
    const text = await response.text()
    if (!(response.status >= 200 && response.status < 300))
      throw new Error(`the Worker answered ${response.status}: ${text}`)
  } finally {
    await miniflare.dispose()
  }
}
