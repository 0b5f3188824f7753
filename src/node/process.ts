// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
// credential_process: a profile names a command that prints credentials as JSON (Version 1).
import { exec } from 'node:child_process'
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import { CredentialsError } from './errors.ts'
import type { Environment, SourceOptions } from './options.ts'
import type { NodeCredentialIdentity, NodeCredentialProvider } from './provider.ts'
import {
  loadSharedConfigFiles,
  propertyOf,
  requireProfile,
  selectedProfileName,
} from './shared-files.ts'

/** Options of {@link fromProcess}. */
export interface FromProcessOptions extends SourceOptions, RefreshOptions {
  /** The profile whose `credential_process` runs (default: `AWS_PROFILE`, else `default`). */
  profile?: string
  /** How long the command may run before it is stopped (default 60000 ms). */
  timeoutMs?: number
  /** Stops the command. */
  signal?: AbortSignal
}

/** How {@link runCredentialProcess} runs one command. */
export interface RunProcessOptions {
  /** The profile that names the command (for messages). */
  profileName: string
  /** Account id when the output has no `AccountId` (the profile's `aws_account_id`). */
  accountId?: string
  /** Environment of the command (default: `process.env`). */
  env?: Environment
  /** The clock, to reject credentials that have already expired (default `Date.now`). */
  now?: () => number
  /** Default 60000 ms. */
  timeoutMs?: number
  /** Stops the command. */
  signal?: AbortSignal
}

const DEFAULT_TIMEOUT_MS = 60000
const MAX_STDERR_CHARACTERS = 2000

const processError = (
  code: 'ProcessFailed' | 'InvalidProcessOutput' | 'TokenExpired',
  profileName: string,
  problem: string,
): CredentialsError =>
  new CredentialsError(code, `credential_process of profile \`${profileName}\` ${problem}`)

/**
 * Removes from a command's stderr what could be a secret: every string value of its stdout when
 * that is JSON (or every word of it when not), access key ids, secret-key-shaped and long
 * token-shaped words, and the values of `…secret…`, `…token…`, `…password…` settings.
 */
export const redactStderr = (stderr: string, stdout: string): string => {
  let text = stderr
  const printed = new Set<string>()
  try {
    const parsed: unknown = JSON.parse(stdout)
    if (parsed !== null && typeof parsed === 'object')
      for (const value of Object.values(parsed)) if (typeof value === 'string') printed.add(value)
  } catch {
    for (const word of stdout.split(/[\s"',:{}]+/)) printed.add(word)
  }
  for (const secret of printed) if (secret.length >= 8) text = text.split(secret).join('[redacted]')
  text = text.replace(
    /((?:secret|token|password|credential)[\w-]*["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
    '$1[redacted]',
  )
  text = text.replace(/\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, '[redacted]')
  text = text.replace(/[A-Za-z0-9/+]{40,}={0,2}/g, '[redacted]')
  text = text.trim()
  if (text.length > MAX_STDERR_CHARACTERS) text = `…${text.slice(-MAX_STDERR_CHARACTERS)}`
  return text
}

interface ProcessResult {
  stdout: string
  stderr: string
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  startError?: Error
}

const run = (
  command: string,
  env: Environment,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ProcessResult> =>
  new Promise((resolve) => {
    // Through the shell, as the AWS SDK for JavaScript v3 (`child_process.exec`): pipes and quotes
    // in the command work as users write them in the config file.
    exec(
      command,
      {
        env,
        timeout: timeoutMs,
        signal,
        maxBuffer: 1024 * 1024,
        windowsHide: true,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr, exitCode: 0, signal: null, timedOut: false })
          return
        }
        const details = error as Error & { code?: unknown; killed?: boolean; signal?: string }
        const exitCode = typeof details.code === 'number' ? details.code : null
        resolve({
          stdout,
          stderr,
          exitCode,
          signal: details.signal ?? null,
          timedOut: details.killed === true && details.signal === 'SIGTERM',
          startError: exitCode === null && !details.killed ? error : undefined,
        })
      },
    )
  })

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const nonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value !== ''

/**
 * Runs a `credential_process` command through the shell and reads its output: JSON with
 * `Version` 1, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`, `Expiration` (RFC 3339;
 * already expired credentials are rejected) and `AccountId` (else `options.accountId`). Rejects
 * with a {@link CredentialsError}: `ProcessFailed` (did not start, timed out, exited non-zero,
 * aborted: the message carries its stderr with anything secret-looking removed; stdout is never
 * shown), `InvalidProcessOutput`, `TokenExpired`.
 */
export const runCredentialProcess = async (
  command: string,
  options: RunProcessOptions,
): Promise<NodeCredentialIdentity> => {
  const { profileName } = options
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (options.signal?.aborted)
    throw processError('ProcessFailed', profileName, 'was not started: the call was aborted')
  const result = await run(command, options.env ?? process.env, timeoutMs, options.signal)
  if (options.signal?.aborted)
    throw processError('ProcessFailed', profileName, 'was stopped: the call was aborted')
  if (result.timedOut)
    throw processError(
      'ProcessFailed',
      profileName,
      `did not finish within ${timeoutMs} ms and was stopped: check the command, or raise timeoutMs`,
    )
  if (result.startError !== undefined)
    throw processError(
      'ProcessFailed',
      profileName,
      'could not be started: check that the command and its shell exist',
    )
  if (result.exitCode !== 0) {
    const stderr = redactStderr(result.stderr, result.stdout)
    const how =
      result.exitCode === null
        ? `was stopped by ${result.signal}`
        : `exited with code ${result.exitCode}`
    throw processError(
      'ProcessFailed',
      profileName,
      `${how}${stderr === '' ? '' : `: ${stderr}`}. Run the command yourself to see what it needs`,
    )
  }

  let output: unknown
  try {
    output = JSON.parse(result.stdout)
  } catch {
    // The output itself is never shown: it may hold secrets.
    throw processError(
      'InvalidProcessOutput',
      profileName,
      'printed invalid JSON in response: it must print one JSON object with Version 1, AccessKeyId and SecretAccessKey',
    )
  }
  if (!isObject(output))
    throw processError('InvalidProcessOutput', profileName, 'must print a JSON object')
  if (output.Version !== 1)
    throw processError(
      'InvalidProcessOutput',
      profileName,
      'did not return Version 1: its JSON must have "Version": 1',
    )
  if (!nonEmptyString(output.AccessKeyId) || !nonEmptyString(output.SecretAccessKey))
    throw processError(
      'InvalidProcessOutput',
      profileName,
      'must print non-empty strings AccessKeyId and SecretAccessKey',
    )
  const credentials: NodeCredentialIdentity = {
    accessKeyId: output.AccessKeyId,
    secretAccessKey: output.SecretAccessKey,
  }
  if (output.SessionToken !== undefined && output.SessionToken !== null) {
    if (typeof output.SessionToken !== 'string')
      throw processError('InvalidProcessOutput', profileName, 'must print SessionToken as a string')
    // An empty token means none (as the AWS SDK for JavaScript v3 reads it).
    if (output.SessionToken !== '') credentials.sessionToken = output.SessionToken
  }
  if (output.Expiration !== undefined && output.Expiration !== null) {
    const expiration =
      typeof output.Expiration === 'string' ? new Date(output.Expiration) : new Date(NaN)
    if (Number.isNaN(+expiration))
      throw processError(
        'InvalidProcessOutput',
        profileName,
        'must print Expiration as an RFC 3339 date such as 2030-01-01T00:00:00Z',
      )
    if (+expiration <= (options.now ?? Date.now)())
      throw processError(
        'TokenExpired',
        profileName,
        `returned credentials that expired at ${expiration.toISOString()}: renew what the command reads (e.g. log in again)`,
      )
    credentials.expiration = expiration
  }
  const accountId = nonEmptyString(output.AccountId) ? output.AccountId : options.accountId
  if (accountId !== undefined && accountId !== '') credentials.accountId = accountId
  return credentials
}

/**
 * Credentials from the `credential_process` of a profile (`options.profile`, else `AWS_PROFILE`,
 * else `default`), as the AWS SDK for JavaScript v3 `fromProcess`. The command runs through the
 * shell with `options.env` (default `process.env`) and a time limit; its result is cached until
 * 5 minutes before its `Expiration` (forever when it has none), concurrent callers share one run,
 * and failures are not cached.
 *
 * Not configured (no such profile, no `credential_process`): a {@link CredentialsError} with
 * `tryNextLink: true`. Configured but failing: see {@link runCredentialProcess}.
 *
 * @example
 * const credentials = fromProcess({ profile: 'dev' })
 * const { accessKeyId } = await credentials()
 */
export const fromProcess = (options: FromProcessOptions = {}): NodeCredentialProvider => {
  return cachedProvider(async () => {
    const files = await loadSharedConfigFiles(options)
    const profileName = selectedProfileName(options)
    const profile = requireProfile(files, profileName)
    const command = propertyOf(profile, 'credential_process')
    if (command === undefined || command.trim() === '')
      throw new CredentialsError(
        'CredentialsNotFound',
        `Profile \`${profileName}\` has no credential_process`,
        { tryNextLink: true },
      )
    return runCredentialProcess(command, {
      profileName,
      accountId: propertyOf(profile, 'aws_account_id'),
      env: options.env,
      now: options.now,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    })
  }, options)
}
