// Runs one README example (a module file) offline, in Node or Deno: `run-block.mjs <file>`.
// Before the example loads, the global fetch is routed: https://*.amazonaws.com goes to the local
// AWS of the test (README_LOCAL_URL) with the original host in `x-readme-host`, loopback passes,
// and anything else throws, so no example reaches the internet. The run fails on a throw, an
// unhandled rejection, or a hang (the test's time limit).
const isDeno = typeof globalThis.Deno !== 'undefined'
const environment = isDeno ? globalThis.Deno.env.toObject() : globalThis.process.env
const file = isDeno ? globalThis.Deno.args[0] : globalThis.process.argv[2]
const localUrl = environment.README_LOCAL_URL
const exit = (status) => (isDeno ? globalThis.Deno.exit(status) : globalThis.process.exit(status))

const realFetch = globalThis.fetch
const AWS_HOST = /(^|\.)amazonaws\.com(\.cn)?$/

globalThis.fetch = async function routedFetch(input, init) {
  const request = new Request(input, init)
  const url = new URL(request.url)
  if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return realFetch(request)
  if (!AWS_HOST.test(url.hostname))
    throw new TypeError(`offline README test: ${url.host} is not reachable (only AWS hosts are)`)
  const headers = new Headers(request.headers)
  headers.set('x-readme-host', url.host)
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  return realFetch(new URL(url.pathname + url.search, localUrl), {
    method: request.method,
    headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    signal: request.signal,
    redirect: 'manual',
  })
}

try {
  // `file` is an absolute path (the test writes each example to its own file).
  await import(`file://${file}`)
  // No exit here: the process ends when the example's work does (a promise it did not await
  // included), and an unhandled rejection still fails it.
} catch (error) {
  console.error(error)
  exit(1)
}
