// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
import { EdgeStsError } from '../errors.ts'

/**
 * The stable codes of {@link CredentialsError}:
 *
 * - `CredentialsNotFound` — the source is not configured (no variables, no file, no key).
 * - `ProfileNotFound` — the profile named in code, by `AWS_PROFILE` or by `source_profile` is in
 *   neither file.
 * - `ProfileCycle` — `source_profile` leads back to a profile already on the chain.
 * - `InvalidConfigFile` — the config or credentials file cannot be parsed (the message names the
 *   file and the line).
 * - `InvalidProfile` — the profile's keys contradict each other or miss one (e.g. `role_arn`
 *   without a source, an unknown `credential_source`, a missing `sso_region`).
 * - `ProcessFailed` — `credential_process` could not start, timed out or exited non-zero.
 * - `InvalidProcessOutput` — `credential_process` printed something other than Version 1 JSON
 *   with keys.
 * - `TokenExpired` — the credentials or the token (process output, SSO token) have expired.
 * - `SsoTokenMissing` — no cached SSO token for the session: run `aws sso login`.
 * - `SsoFailed` — the SSO portal or SSO OIDC refused or failed.
 * - `MfaCodeRequired` — the profile has `mfa_serial` but no `mfaCodeProvider` was given.
 * - `EndpointUnreachable` — a container or instance endpoint did not answer.
 * - `InvalidEndpoint` — an endpoint URL or mode is not allowed or malformed.
 * - `InvalidResponse` — an endpoint answered something that is not credentials.
 */
export type CredentialsErrorCode =
  | 'CredentialsNotFound'
  | 'ProfileNotFound'
  | 'ProfileCycle'
  | 'InvalidConfigFile'
  | 'InvalidProfile'
  | 'ProcessFailed'
  | 'InvalidProcessOutput'
  | 'TokenExpired'
  | 'SsoTokenMissing'
  | 'SsoFailed'
  | 'MfaCodeRequired'
  | 'EndpointUnreachable'
  | 'InvalidEndpoint'
  | 'InvalidResponse'

/** What {@link CredentialsError} carries besides its code and message. */
export interface CredentialsErrorOptions {
  /**
   * `true` when the source is simply not configured, so a chain should try the next source;
   * `false` (the default) when it is configured but broken, so a chain stops and reports it, as the
   * AWS SDK for JavaScript v3 does.
   */
  tryNextLink?: boolean
  /** The underlying error (never one that holds a secret in its message). */
  cause?: unknown
}

/**
 * A credential source could not provide credentials. `code` is one of
 * {@link CredentialsErrorCode}; the message says what to fix and never contains a secret (keys,
 * tokens, SSO access or refresh tokens, process output).
 */
export class CredentialsError extends EdgeStsError {
  /**
   * `true`: this source is not configured, try the next one. `false`: it is configured but
   * broken; the chain stops here.
   */
  declare readonly tryNextLink: boolean
  constructor(code: CredentialsErrorCode, message: string, options: CredentialsErrorOptions = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause })
    // A literal: minifiers rename classes, and `name` is part of what users log and match.
    this.name = 'CredentialsError'
    this.tryNextLink = options.tryNextLink ?? false
  }
}
