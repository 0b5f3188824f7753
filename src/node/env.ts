// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
import { CredentialsError } from './errors.ts'
import type { SourceOptions } from './options.ts'
import {
  envValue,
  withDefaults,
  type NodeCredentialIdentity,
  type NodeCredentialProvider,
} from './provider.ts'

/**
 * Credentials from the environment, as the AWS SDK v3 `fromEnv`: `AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY` (both set and not blank), with `AWS_SESSION_TOKEN`,
 * `AWS_CREDENTIAL_EXPIRATION` (an ISO 8601 date), `AWS_ACCOUNT_ID` and `AWS_CREDENTIAL_SCOPE`
 * when set. The variables are read on every call. Rejects with a {@link CredentialsError}:
 * `CredentialsNotFound` (with `tryNextLink`) when the keys are not both set, `InvalidProfile` when
 * the expiration is not a date.
 *
 * @example
 * const credentials = await fromEnv()()
 */
export const fromEnv = (options: SourceOptions = {}): NodeCredentialProvider => {
  const { env } = withDefaults(options)
  return async () => {
    const accessKeyId = envValue(env, 'AWS_ACCESS_KEY_ID')
    const secretAccessKey = envValue(env, 'AWS_SECRET_ACCESS_KEY')
    if (accessKeyId === undefined || secretAccessKey === undefined) {
      throw new CredentialsError(
        'CredentialsNotFound',
        'environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set',
        { tryNextLink: true },
      )
    }
    const identity: NodeCredentialIdentity = { accessKeyId, secretAccessKey }
    const sessionToken = envValue(env, 'AWS_SESSION_TOKEN')
    if (sessionToken !== undefined) identity.sessionToken = sessionToken
    const expiration = envValue(env, 'AWS_CREDENTIAL_EXPIRATION')
    if (expiration !== undefined) {
      const date = new Date(expiration)
      if (Number.isNaN(date.getTime())) {
        throw new CredentialsError(
          'InvalidProfile',
          'environment: AWS_CREDENTIAL_EXPIRATION must be an ISO 8601 date such as 2026-12-01T12:00:00Z',
        )
      }
      identity.expiration = date
    }
    const accountId = envValue(env, 'AWS_ACCOUNT_ID')
    if (accountId !== undefined) identity.accountId = accountId
    const credentialScope = envValue(env, 'AWS_CREDENTIAL_SCOPE')
    if (credentialScope !== undefined) identity.credentialScope = credentialScope
    return identity
  }
}
