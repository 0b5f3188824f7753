// The command line's words into a command name and its options, as the AWS CLI's argument parser
// reads them: `--name value`, `--name=value`, list options that take every word up to the next
// option (`--transitive-tag-keys team env`), flags without a value. Options may come before the
// command (`edge-sts --region eu-west-1 assume-role …`); `edge-sts sts assume-role …` works too.
import { CliUsageError } from './usage.ts'

/** How many words an option takes (`optional`: one, when the next word is not an option). */
export type Arity = 'flag' | 'one' | 'many' | 'optional'

/** The options in effect: the flag name (no dashes) and its words. */
export type Options = Map<string, string[]>

/** Options that mean the same as another (kept from earlier versions of this CLI). */
export const ALIASES: Record<string, string> = {
  endpoint: 'endpoint-url',
  format: 'output',
  description: 'scoped-session-description',
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, Arity> = {
  region: 'one',
  'endpoint-url': 'one',
  profile: 'one',
  output: 'one',
  query: 'one',
  debug: 'flag',
  cache: 'flag',
  'no-cache': 'flag',
  'timeout-ms': 'one',
  'max-attempts': 'one',
  help: 'flag',
  version: 'flag',
  'cli-input-json': 'one',
  'generate-cli-skeleton': 'optional',
  // Accepted and without effect: this CLI never pages, prompts or colours.
  'no-cli-pager': 'flag',
  'no-paginate': 'flag',
  'no-cli-auto-prompt': 'flag',
  color: 'one',
}

/** AWS CLI options this CLI does not have, and why (a usage error says so). */
export const UNSUPPORTED: Record<string, string> = {
  'no-verify-ssl':
    'TLS verification cannot be turned off portably across Node, Deno and Bun; point the runtime at your CA instead',
  'ca-bundle':
    'give the runtime your CA (NODE_EXTRA_CA_CERTS for Node and Bun, DENO_CERT for Deno)',
  'no-sign-request':
    'assume-role-with-saml and assume-role-with-web-identity are sent unsigned already; the other operations need a signature',
  'cli-input-yaml': 'there is no YAML reader: use --cli-input-json',
  'cli-read-timeout': 'use --timeout-ms (the limit of each attempt, response included)',
  'cli-connect-timeout': 'use --timeout-ms (the limit of each attempt, response included)',
  'cli-binary-format': 'STS has no binary parameters',
  'cli-auto-prompt': 'this CLI does not prompt',
}

/** A parsed command line: the command name (undefined when none was given) and its options. */
export interface CommandLine {
  command?: string
  options: Options
}

const OPTION = /^--([A-Za-z0-9][A-Za-z0-9-]*)(?:=([^]*))?$/

/**
 * Splits the words after the program name. `arityOf` tells, once the command is known, how many
 * words each of its options takes (undefined: not an option of this command).
 */
export const parseCommandLine = (
  words: string[],
  arityOf: (command: string | undefined, option: string) => Arity | undefined,
): CommandLine => {
  const options: Options = new Map()
  let command: string | undefined
  let index = 0
  while (index < words.length) {
    const word = words[index]!
    index++
    // `edge-sts help`, `edge-sts assume-role help`: the AWS CLI's way of asking.
    if (word === '-h' || word === 'help') {
      options.set('help', [])
      continue
    }
    const found = OPTION.exec(word)
    if (found === null) {
      if (word.startsWith('-')) throw new CliUsageError(`unknown option "${word}"`)
      if (command === undefined && word === 'sts') continue
      if (command !== undefined) {
        throw new CliUsageError(`unexpected argument "${word}" (option values follow an --option)`)
      }
      command = word
      continue
    }
    const given = found[1]!
    const name = Object.hasOwn(ALIASES, given) ? ALIASES[given]! : given
    if (Object.hasOwn(UNSUPPORTED, name)) {
      throw new CliUsageError(`not supported: ${UNSUPPORTED[name]}`, `--${given}`)
    }
    const arity = arityOf(command, name)
    if (arity === undefined) {
      const where = command === undefined ? '' : ` of ${command}`
      throw new CliUsageError(`unknown option${where}`, `--${given}`)
    }
    if (options.has(name)) throw new CliUsageError('is given twice', `--${given}`)
    const inline = found[2]
    if (arity === 'flag') {
      if (inline !== undefined) throw new CliUsageError('takes no value', `--${given}`)
      options.set(name, [])
      continue
    }
    if (arity === 'optional' && inline === undefined) {
      const next = words[index]
      const takesNext = next !== undefined && !next.startsWith('-') && command !== undefined
      options.set(name, takesNext ? [next] : [])
      if (takesNext) index++
      continue
    }
    if (inline !== undefined) {
      options.set(name, [inline])
      continue
    }
    const values: string[] = []
    while (index < words.length && !words[index]!.startsWith('--')) {
      values.push(words[index]!)
      index++
      if (arity === 'one') break
    }
    if (values.length === 0) throw new CliUsageError('needs a value', `--${given}`)
    options.set(name, values)
  }
  return { command, options }
}
