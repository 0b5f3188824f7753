// A failure as the AWS CLI v2 reports it: the exit status scripts test, and the message on stderr
// (`An error occurred (AccessDenied) when calling the AssumeRole operation: …`), plus the RequestId.
// Messages never quote a secret: library errors are built without them, and errors that are not
// ours are named, not quoted.
import { EdgeStsError, StsError, StsValidationError } from '../index.js'
import { CredentialsError } from '../node/index.js'
import {
  CliConfigurationError,
  CliUsageError,
  EXIT_CONFIGURATION,
  EXIT_OTHER,
  EXIT_SERVICE,
  EXIT_USAGE,
} from './usage.ts'

/** The exit status and the text for stderr. */
export interface Report {
  status: number
  message: string
}

// Codes of faults on the way to STS rather than answers from it.
const TRANSPORT = /^(NetworkError|TimeoutError|AbortError|InvalidResponse|ResponseTooLarge)$/

// The underlying reason of a network failure: codes such as `ECONNREFUSED`, else the innermost
// message of the runtime's fetch (`bad port`); these never hold request data.
const reasonOf = (error: unknown): string | undefined => {
  let cause = (error as { cause?: unknown })?.cause
  const codes: string[] = []
  let innermost: string | undefined
  for (let depth = 0; cause !== undefined && cause !== null && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'string' && !codes.includes(code)) codes.push(code)
    const message = (cause as { message?: unknown }).message
    if (typeof message === 'string' && message !== '') innermost = message.slice(0, 200)
    cause = (cause as { cause?: unknown }).cause
  }
  if (codes.length > 0) return codes.join(', ')
  return innermost
}

const stsReport = (error: StsError, action: string, endpoint: string | undefined): Report => {
  const requestId = error.requestId === undefined ? '' : `RequestId: ${error.requestId}\n`
  if (!TRANSPORT.test(error.code)) {
    return {
      status: EXIT_SERVICE,
      message: `\nAn error occurred (${error.code}) when calling the ${action} operation: ${error.message}\n${requestId}`,
    }
  }
  const reason = reasonOf(error)
  const where = endpoint === undefined ? '' : ` (endpoint ${endpoint})`
  const status = error.status === undefined ? '' : ` (HTTP ${error.status})`
  // The library's message may name the reason already ("could not reach …: connect ECONNREFUSED").
  const because = reason === undefined || error.message.includes(reason) ? '' : `: ${reason}`
  return {
    status: EXIT_OTHER,
    message: `\nedge-sts: ${error.code} when calling the ${action} operation${where}${status}: ${error.message}${because}\n${requestId}`,
  }
}

/**
 * How a failure of `action` ends the command. `command` picks the help hint of usage errors;
 * `endpoint` is named in network failures; `debug` adds the message of errors that are not ours.
 */
export const report = (
  error: unknown,
  context: { command?: string; action?: string; endpoint?: string; debug?: boolean },
): Report => {
  const action = context.action ?? 'STS'
  if (error instanceof CliUsageError) {
    const hint =
      context.command === undefined
        ? 'Run `edge-sts --help` for the commands.'
        : `Run \`edge-sts ${context.command} --help\` for its options.`
    return { status: EXIT_USAGE, message: `edge-sts: error: ${error.message}\n${hint}\n` }
  }
  if (error instanceof StsValidationError) {
    const lines = error.issues.map((issue) => issue.message).join('\n')
    return { status: EXIT_USAGE, message: `\nParameter validation failed:\n${lines}\n` }
  }
  if (error instanceof StsError) return stsReport(error, action, context.endpoint)
  if (error instanceof CliConfigurationError || error instanceof CredentialsError) {
    return {
      status: EXIT_CONFIGURATION,
      message: `\nedge-sts: ${error.code}: ${error.message}\n`,
    }
  }
  if (error instanceof EdgeStsError) {
    return { status: EXIT_OTHER, message: `\nedge-sts: ${error.code}: ${error.message}\n` }
  }
  const name = (error as Error)?.name ?? 'error'
  // Deno's permission errors say which permission to grant, and quote nothing else.
  if (name === 'NotCapable' || name === 'PermissionDenied') {
    return {
      status: EXIT_CONFIGURATION,
      message: `\nedge-sts: Deno refused a permission: ${(error as Error).message}\nedge-sts needs --allow-net, --allow-env, --allow-read, --allow-write (the cache) and --allow-sys=uid,homedir.\n`,
    }
  }
  // Not ours (a bug or a runtime fault): its name only, as its message might quote anything.
  const detail = context.debug === true ? `: ${(error as Error)?.message}` : ''
  return { status: EXIT_OTHER, message: `\nedge-sts: unexpected ${name}${detail}\n` }
}
