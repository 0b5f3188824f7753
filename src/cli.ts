// The `edge-sts` command, a stand-in for `aws sts`: the AWS CLI v2's commands, option syntax,
// output and exit statuses, source credentials and region from the file-system credential chain,
// and a disk cache for credential_process use. It talks to the world only through `io` and `env`,
// so the same code runs (and is tested) under Node, Deno and Bun; bin.ts binds it to the process.
//
// The steps: command line (src/cli/arguments.ts) → parameter values (src/cli/values.ts) → region,
// endpoint and source credentials (src/cli/credentials.ts) → cache (src/cli/cache.ts) → the call
// (src/cli/commands.ts) → output (src/cli/output.ts); a failure becomes an exit status and a
// message (src/cli/report.ts).
import { readFile as readFileFromDisk } from 'node:fs/promises'
import type { Credentials, StsCredentials } from './index.js'
import { GLOBAL_OPTIONS, parseCommandLine, type Arity, type Options } from './cli/arguments.ts'
import { cacheDirectory, cacheKey, DiskCache, expirationOf, type CacheFiles } from './cli/cache.ts'
import { COMMANDS, findCommand, type Command } from './cli/commands.ts'
import { sourceCredentials, sourceRegion } from './cli/credentials.ts'
import { commandHelp, programHelp } from './cli/help.ts'
import {
  OUTPUTS,
  printable,
  toCredentialProcess,
  toEnv,
  toJson,
  toText,
  type Output,
} from './cli/output.ts'
import { compileQuery, type Query } from './cli/query.ts'
import { report } from './cli/report.ts'
import { CliConfigurationError, CliUsageError, EXIT_OK, EXIT_USAGE } from './cli/usage.ts'
import {
  conformMember,
  loadParameterFile,
  skeletonOf,
  toParameter,
  type ReadFile,
} from './cli/values.ts'

/** Where the command writes, and what it uses of the world; everything but the streams has a default. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** The `fetch` for STS and the credential sources (default: the global one). */
  fetch?: typeof fetch
  /** Reads `file://` and `fileb://` values (default: `readFile` of `node:fs/promises`). */
  readFile?: ReadFile
  /** The disk cache's file operations (default: `node:fs/promises`). */
  cacheFiles?: CacheFiles
  /** The clock in milliseconds since 1970 (default `Date.now`). */
  now?: () => number
  /** What `--version` prints after `edge-sts/` (default `dev`). */
  version?: string
}

type Env = Record<string, string | undefined>

// How many nested edge-sts runs a credential_process chain may make before it is taken for a loop
// (a profile whose credential_process runs edge-sts with that same profile).
const NESTING = 'EDGE_STS_NESTING'
const MAX_NESTING = 4

const arityOf = (command: string | undefined, option: string): Arity | undefined => {
  if (Object.hasOwn(GLOBAL_OPTIONS, option)) return GLOBAL_OPTIONS[option]
  const parameter = findCommand(command ?? '')?.parameters.find((p) => p.option === option)
  if (parameter === undefined) return undefined
  return parameter.shape.type === 'list' ? 'many' : 'one'
}

const single = (options: Options, name: string): string | undefined => options.get(name)?.[0]

const wholeNumber = (options: Options, name: string): number | undefined => {
  const value = single(options, name)
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new CliUsageError('must be a whole number', `--${name}`)
  return Number(value)
}

const outputOf = (options: Options, command: Command): Output => {
  const output = single(options, 'output') ?? 'json'
  if (!(OUTPUTS as readonly string[]).includes(output)) {
    throw new CliUsageError(`must be one of ${OUTPUTS.join(', ')}`, '--output')
  }
  const credentialsOnly = output === 'env' || output === 'credential-process'
  if (credentialsOnly && command.returns !== 'credentials') {
    throw new CliUsageError(`${command.name} returns no credentials: use json or text`, '--output')
  }
  return output as Output
}

// The members of --cli-input-json (JSON, or file://), checked like options; options override them.
const jsonInputOf = async (
  options: Options,
  command: Command,
  readFile: ReadFile,
  env: Env,
): Promise<Record<string, unknown>> => {
  const words = options.get('cli-input-json')
  if (words === undefined) return {}
  const option = '--cli-input-json'
  const text = await loadParameterFile(option, words[0]!, readFile, env)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CliUsageError(`invalid JSON (${(error as Error).message})`, option)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliUsageError("must be a JSON object of the operation's parameters", option)
  }
  const input: Record<string, unknown> = {}
  const members = command.parameters.map((parameter) => parameter.member)
  for (const [member, memberValue] of Object.entries(value)) {
    const parameter = command.parameters.find((p) => p.member === member)
    if (parameter === undefined) {
      throw new CliUsageError(
        `unknown parameter "${member}", must be one of: ${members.join(', ')}`,
        option,
      )
    }
    input[member] = conformMember(option, member, parameter.shape, memberValue)
  }
  return input
}

const inputOf = async (
  options: Options,
  command: Command,
  readFile: ReadFile,
  env: Env,
): Promise<Record<string, unknown>> => {
  const fromJson = await jsonInputOf(options, command, readFile, env)
  const missing = command.parameters
    .filter((parameter) => parameter.required === true)
    .filter(
      (parameter) => !options.has(parameter.option) && !Object.hasOwn(fromJson, parameter.member),
    )
    .map((parameter) => `--${parameter.option}`)
  if (missing.length > 0) {
    throw new CliUsageError(`the following arguments are required: ${missing.join(', ')}`)
  }
  // In the commands table's order, so the cache key does not depend on the order of the options.
  const input: Record<string, unknown> = {}
  for (const parameter of command.parameters) {
    const words = options.get(parameter.option)
    if (words !== undefined) {
      const option = `--${parameter.option}`
      input[parameter.member] = await toParameter(
        option,
        parameter.member,
        parameter.shape,
        words,
        readFile,
        env,
      )
    } else if (Object.hasOwn(fromJson, parameter.member)) {
      input[parameter.member] = fromJson[parameter.member]
    }
  }
  return input
}

// --generate-cli-skeleton [input]: the operation's parameters with empty values, for --cli-input-json.
const skeleton = (options: Options, command: Command): string => {
  const kind = options.get('generate-cli-skeleton')![0] ?? 'input'
  if (kind !== 'input') {
    throw new CliUsageError(
      'only input skeletons are made (output: see --help)',
      '--generate-cli-skeleton',
    )
  }
  const members: Record<string, unknown> = {}
  for (const parameter of command.parameters)
    members[parameter.member] = skeletonOf(parameter.shape)
  return JSON.stringify(members, null, 4) + '\n'
}

// Whether the cache is used: always for credential_process output (unless --no-cache), else on --cache.
const usesCache = (options: Options, command: Command, output: Output): boolean => {
  if (options.has('cache') && options.has('no-cache')) {
    throw new CliUsageError('--cache and --no-cache contradict each other')
  }
  if (options.has('cache') && command.returns === 'data') {
    throw new CliUsageError(
      `${command.name} results do not expire, so they are not cached`,
      '--cache',
    )
  }
  if (options.has('no-cache')) return false
  return options.has('cache') || output === 'credential-process'
}

// An endpoint from the command line is checked with the call (a usage error, 252); one from the
// environment is configuration (253), and says which variable to fix.
const endpointOf = (options: Options, env: Env): string | undefined => {
  const fromCommandLine = single(options, 'endpoint-url')
  if (fromCommandLine !== undefined) return fromCommandLine
  const name = env.AWS_ENDPOINT_URL_STS ? 'AWS_ENDPOINT_URL_STS' : 'AWS_ENDPOINT_URL'
  const fromEnv = env[name] || undefined
  if (fromEnv === undefined) return undefined
  let url: URL | undefined
  try {
    url = new URL(fromEnv)
  } catch {
    url = undefined
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '') {
    throw new CliConfigurationError(`${name} must be an absolute http(s) URL without a query`)
  }
  return fromEnv
}

// A `fetch` that tells --debug about each attempt: URL, status, time and RequestId (no headers, no body).
const tracedFetch = (base: typeof fetch, debug: (line: string) => void): typeof fetch => {
  let attempt = 0
  return async (input, init) => {
    attempt++
    const url = input instanceof Request ? input.url : String(input)
    const started = Date.now()
    debug(`attempt ${attempt}: ${init?.method ?? 'GET'} ${url}`)
    try {
      const response = await base(input, init)
      const requestId = response.headers.get('x-amzn-requestid') ?? 'none'
      debug(
        `attempt ${attempt}: HTTP ${response.status} after ${Date.now() - started} ms, RequestId ${requestId}`,
      )
      return response
    } catch (error) {
      debug(
        `attempt ${attempt}: failed after ${Date.now() - started} ms (${(error as Error)?.name})`,
      )
      throw error
    }
  }
}

// --query applies to the json and text outputs, which print what it selects.
const queryOf = (options: Options, output: Output): Query | undefined => {
  const text = single(options, 'query')
  if (text === undefined) return undefined
  if (output !== 'json' && output !== 'text') {
    throw new CliUsageError(`applies to --output json and text, not ${output}`, '--query')
  }
  return compileQuery(text)
}

const print = (result: object, output: Output, query?: Query): string => {
  const credentials = (result as { Credentials?: StsCredentials }).Credentials
  if (query !== undefined) {
    const selected = query(printable(result))
    if (output === 'text') return toText(selected)
    return JSON.stringify(selected, null, 4) + '\n'
  }
  if (output === 'text') return toText(printable(result))
  if (output === 'json' || credentials === undefined) return toJson(result)
  if (output === 'env') return toEnv(credentials)
  return toCredentialProcess(credentials)
}

interface Run {
  command: Command
  options: Options
  env: Env
  io: CliIo
  endpoint?: string
  debug: (line: string) => void
}

// Everything the command line decides, checked before anything else is touched (usage errors: 252).
const planOf = async ({ command, options, env, io }: Run) => {
  const output = outputOf(options, command)
  return {
    output,
    query: queryOf(options, output),
    cache: usesCache(options, command, output),
    input: await inputOf(options, command, io.readFile ?? readFileFromDisk, env),
    timeoutMs: wholeNumber(options, 'timeout-ms'),
    maxAttempts: wholeNumber(options, 'max-attempts'),
  }
}

// The region and, for signed operations, the source credentials (configuration errors: 253).
const sourceOf = async ({ command, options, env, io, endpoint, debug }: Run) => {
  const nesting = Number(env[NESTING] ?? 0) || 0
  if (nesting >= MAX_NESTING) {
    throw new CliConfigurationError(
      `edge-sts runs itself ${nesting} levels deep: a profile's credential_process runs edge-sts with that same profile`,
    )
  }
  // The credential sources (a credential_process among them) see how deep this run is.
  const request = {
    profile: single(options, 'profile'),
    env: { ...env, [NESTING]: String(nesting + 1) },
    fetch: io.fetch,
  }
  const region = await sourceRegion({ ...request, region: single(options, 'region') })
  if (!options.has('region') && !/^[a-z0-9-]+$/.test(region)) {
    throw new CliConfigurationError(
      'the region of AWS_REGION, AWS_DEFAULT_REGION or the profile must be a region name such as us-east-1',
    )
  }
  debug(`region ${region}, endpoint ${endpoint ?? `the regional endpoint of ${region}`}`)
  let credentials: Credentials | undefined
  if (command.unsigned !== true) {
    credentials = await sourceCredentials(request)
    debug(`source credentials: access key id …${credentials.accessKeyId.slice(-4)}`)
  }
  return { region, credentials }
}

// The call itself, from parsed options to printed output, through the disk cache when it is on.
const run = async (context: Run): Promise<string> => {
  const { command, env, io, endpoint, debug } = context
  const now = io.now ?? Date.now
  const plan = await planOf(context)
  const { region, credentials } = await sourceOf(context)
  const directory = cacheDirectory(env)
  let diskCache: DiskCache | undefined
  if (plan.cache && directory === undefined) {
    debug('cache: off (no HOME, XDG_CACHE_HOME or EDGE_STS_CACHE_DIR)')
  }
  if (plan.cache && directory !== undefined) {
    diskCache = new DiskCache(directory, { files: io.cacheFiles, now, log: debug })
  }
  // Everything that shapes the call; defaults this CLI fills in are not part of it.
  const key = cacheKey([
    'edge-sts',
    command.name,
    plan.input,
    credentials?.accessKeyId ?? null,
    region,
    endpoint ?? null,
  ])
  const cached = await diskCache?.get(key)
  if (cached !== undefined) return print(cached, plan.output, plan.query)
  command.complete?.(plan.input, now())
  const result = await command.call(plan.input, {
    credentials,
    region,
    endpoint,
    timeoutMs: plan.timeoutMs,
    maxAttempts: plan.maxAttempts,
    fetch: tracedFetch(io.fetch ?? ((url, init) => fetch(url, init)), debug),
  })
  const requestId = (result as { RequestId?: string }).RequestId
  debug(`${command.action} succeeded, RequestId ${requestId ?? 'none'}`)
  const expiration = expirationOf(result)
  if (diskCache !== undefined && expiration !== undefined) {
    await diskCache.set(key, result, expiration)
  }
  return print(result, plan.output, plan.query)
}

/**
 * Runs `edge-sts` with the arguments after the program name and returns the exit status (0, or
 * 252–255 as the AWS CLI v2). Secrets reach stdout only, as the requested output; errors and
 * `--debug` lines name the problem, never a secret.
 */
export async function main(argv: string[], env: Env, io: CliIo): Promise<number> {
  let command: Command | undefined
  let endpoint: string | undefined
  let debugging = false
  try {
    const line = parseCommandLine(argv, arityOf)
    const options = line.options
    debugging = options.has('debug')
    const debug = (text: string) => {
      if (debugging) io.stderr(`edge-sts debug: ${text}\n`)
    }
    if (options.has('version')) {
      const runtime = runtimeName()
      io.stdout(`edge-sts/${io.version ?? 'dev'} ${runtime}\n`)
      return EXIT_OK
    }
    if (line.command === undefined) {
      if (options.has('help')) {
        io.stdout(programHelp())
        return EXIT_OK
      }
      io.stderr(programHelp())
      return EXIT_USAGE
    }
    command = findCommand(line.command)
    if (command === undefined) {
      const names = COMMANDS.map((c) => c.name).join(', ')
      throw new CliUsageError(`unknown command "${line.command}"; the commands: ${names}`)
    }
    if (options.has('help')) {
      io.stdout(commandHelp(command))
      return EXIT_OK
    }
    if (options.has('generate-cli-skeleton')) {
      io.stdout(skeleton(options, command))
      return EXIT_OK
    }
    const color = single(options, 'color')
    if (color !== undefined && !/^(on|off|auto)$/.test(color)) {
      throw new CliUsageError('must be on, off or auto', '--color')
    }
    endpoint = endpointOf(options, env)
    io.stdout(await run({ command, options, env, io, endpoint, debug }))
    return EXIT_OK
  } catch (error) {
    const { status, message } = report(error, {
      command: command?.name,
      action: command?.action,
      endpoint,
      debug: debugging,
    })
    io.stderr(message)
    return status
  }
}

const runtimeName = (): string => {
  const global = globalThis as {
    Deno?: { version: { deno: string } }
    Bun?: { version: string }
    process?: { version?: string }
  }
  if (global.Deno !== undefined) return `Deno/${global.Deno.version.deno}`
  if (global.Bun !== undefined) return `Bun/${global.Bun.version}`
  return `Node/${global.process?.version?.replace(/^v/, '') ?? 'unknown'}`
}
