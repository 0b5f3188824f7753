// The error of a wrong command line, and the exit statuses of the AWS CLI v2, so scripts written for
// `aws sts` read our failures the same way.
import { EdgeStsError } from '../index.js'

/** Exit status: success. */
export const EXIT_OK = 0
/** Exit status: the command line or a parameter value is wrong (nothing was sent). */
export const EXIT_USAGE = 252
/** Exit status: the configuration or the credentials are wrong or missing. */
export const EXIT_CONFIGURATION = 253
/** Exit status: the service answered with an error. */
export const EXIT_SERVICE = 254
/** Exit status: anything else (network, timeout, an invalid response, a bug). */
export const EXIT_OTHER = 255

/**
 * A command line that cannot be run as written: an unknown option, a missing or unparsable value.
 * `option` names the option at fault (`--tags`) when there is one.
 */
export class CliUsageError extends EdgeStsError {
  declare readonly option?: string
  constructor(message: string, option?: string) {
    super('UsageError', option === undefined ? message : `${option}: ${message}`)
    this.name = 'CliUsageError'
    this.option = option
  }
}

/**
 * The configuration cannot give what the command needs: no region, no credentials, a missing
 * profile. Exit status {@link EXIT_CONFIGURATION}.
 */
export class CliConfigurationError extends EdgeStsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ConfigurationError', message, options)
    this.name = 'CliConfigurationError'
  }
}
