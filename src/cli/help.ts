// The help texts, made from the commands table so they never disagree with what is parsed.
import { COMMANDS, type Command } from './commands.ts'
import { syntaxOf } from './values.ts'

const COMMON = `Options of every command:
  --profile NAME           source credentials and region from this profile (default: AWS_PROFILE)
  --region REGION          signing region and endpoint (default: AWS_REGION, AWS_DEFAULT_REGION,
                           the profile's region)
  --endpoint-url URL       the STS endpoint (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL);
                           --endpoint is the same
  --output FORMAT          json (default), text, env (export lines) or credential-process;
                           --format is the same
  --query EXPRESSION       JMESPath paths, indexes, [a, b] and {name: a}, for json and text
  --cli-input-json JSON    the parameters as a JSON object (or file://); options override it
  --generate-cli-skeleton  print that JSON object with empty values
  --cache / --no-cache     keep results on disk and reuse them while more than 15 minutes remain
                           (on by default for --output credential-process)
  --timeout-ms MS          time limit of each attempt (default 10000)
  --max-attempts N         attempts in all, retries included (default 3)
  --debug                  the steps on stderr: endpoint, attempts, status, RequestId, cache
  --version                the version
  -h, --help               help

Values are read as the AWS CLI v2 reads them: shorthand (Key=team,Value=blue), JSON, lists
separated by spaces, and file://path (text) or fileb://path (bytes) for any value.
Cache: $EDGE_STS_CACHE_DIR, else $XDG_CACHE_HOME/edge-sts, else ~/.cache/edge-sts.
Exit status: 0 success, 252 the command line is wrong, 253 the configuration or credentials,
254 STS answered with an error, 255 anything else (network, timeout, invalid response).
`

/** The program's help. */
export const programHelp = (): string => {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`)
  return `Usage: edge-sts <command> [options]

AWS STS from the command line, under Node, Deno and Bun: the commands and options of \`aws sts\`.

Commands:
${lines.join('\n')}

Run \`edge-sts <command> --help\` for a command's options.

${COMMON}`
}

/** One command's help. */
export const commandHelp = (command: Command): string => {
  const lines = command.parameters.map((parameter) => {
    const flag = `--${parameter.option} ${syntaxOf(parameter.shape)}`
    const required = parameter.required === true ? ' (required)' : ''
    return `  ${flag}\n      ${parameter.help}${required}`
  })
  const returns =
    command.returns === 'credentials' ? '' : '\nOutput: json only (it returns no credentials).\n'
  const signing =
    command.unsigned === true ? '\nSent unsigned: no source credentials are needed.\n' : ''
  return `Usage: edge-sts ${command.name} [options]

${command.summary[0]!.toUpperCase()}${command.summary.slice(1)} (STS ${command.action}).
${returns}${signing}
${lines.length === 0 ? '  (no options of its own)' : lines.join('\n')}

${COMMON}`
}
