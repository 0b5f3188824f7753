// Type-checked by tsconfig.test.json (Node types); excluded from the edge tsconfig.
import type { StsConfig } from '../client.ts'
import { cachedProvider, type RefreshOptions } from '../credentials.ts'
import { assumeRoleWithWebIdentity } from '../sts.ts'
import { CredentialsError } from './errors.ts'
import type { Environment, SourceOptions } from './options.ts'
import {
  envValue,
  refreshOptionsOf,
  withDefaults,
  type NodeCredentialProvider,
} from './provider.ts'
import { resolveRegion } from './shared-files.ts'

/** Options of {@link fromTokenFile}; each one beats its environment variable. */
export interface TokenFileOptions
  extends
    SourceOptions,
    RefreshOptions,
    Pick<StsConfig, 'endpoint' | 'useFipsEndpoint' | 'timeoutMs' | 'maxAttempts' | 'signal'> {
  /** The file holding the OIDC token (default: `AWS_WEB_IDENTITY_TOKEN_FILE`). Read for every STS call. */
  webIdentityTokenFile?: string
  /** The role to assume (default: `AWS_ROLE_ARN`). */
  roleArn?: string
  /** The session name (default: `AWS_ROLE_SESSION_NAME`, else `edge-sts-{epoch ms}`). */
  roleSessionName?: string
  /** Session length in seconds (default: the role's setting, 3600 unless changed). */
  durationSeconds?: number
  /** STS region (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the `region` of the selected profile, else `us-east-1`). */
  region?: string
}

/** The STS endpoint named by `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`. */
export const stsEndpoint = (env: Environment): string | undefined =>
  envValue(env, 'AWS_ENDPOINT_URL_STS') ?? envValue(env, 'AWS_ENDPOINT_URL')

// The `exp` claim (seconds since 1970) of a JWT, when the token is one; anything else is left to STS.
const expiryOf = (token: string): number | undefined => {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))) as unknown
    if (typeof claims == 'object' && claims !== null && Object.hasOwn(claims, 'exp')) {
      const exp = (claims as { exp: unknown }).exp
      if (typeof exp == 'number') return exp
    }
  } catch {}
  return undefined
}

// The account of an assumed-role ARN: arn:aws:sts::123456789012:assumed-role/name/session.
const accountOf = (arn: string | undefined): string | undefined => {
  const account = arn?.split(':')[4]
  return account === undefined || account === '' ? undefined : account
}

/**
 * Credentials for a role from an OIDC token file (EKS IRSA, GitHub Actions, any OIDC issuer):
 * `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` (or the options), through this package's
 * `assumeRoleWithWebIdentity`. The file is read again for every STS call, so rotated tokens are
 * picked up. A token that is a JWT whose `exp` has passed is refused before STS is called.
 *
 * Rejects with a {@link CredentialsError}: `CredentialsNotFound` (with `tryNextLink` when neither
 * the file nor the role is configured; without it when the file cannot be read), `InvalidProfile`
 * (only one of the two set), `TokenExpired`; STS faults are `StsError`s.
 *
 * @example
 * const credentials = fromTokenFile({ roleSessionName: 'ci' })
 */
export const fromTokenFile = (options: TokenFileOptions = {}): NodeCredentialProvider => {
  const resolved = withDefaults(options)
  const { env, readFile, fetch: fetchFunction, now } = resolved

  const get = async () => {
    const file = options.webIdentityTokenFile ?? envValue(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')
    const roleArn = options.roleArn ?? envValue(env, 'AWS_ROLE_ARN')
    if (file === undefined && roleArn === undefined) {
      throw new CredentialsError(
        'CredentialsNotFound',
        'web identity token file: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set',
        { tryNextLink: true },
      )
    }
    if (file === undefined || roleArn === undefined) {
      const missing = file === undefined ? 'AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_ROLE_ARN'
      throw new CredentialsError(
        'InvalidProfile',
        `web identity token file: ${missing} is not set; it is needed with ${missing == 'AWS_ROLE_ARN' ? 'AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_ROLE_ARN'}`,
        { tryNextLink: true },
      )
    }
    let token: string
    try {
      // Without surrounding whitespace (a trailing newline), as fromIni's web_identity_token_file.
      // SDKs differ: the AWS SDK v3 and botocore send the file as read; the cross-SDK recordings
      // hold both forms.
      token = (await readFile(file)).trim()
    } catch (error) {
      throw new CredentialsError(
        'CredentialsNotFound',
        `web identity token file: ${file} cannot be read (${(error as { code?: string }).code ?? 'error'}); check AWS_WEB_IDENTITY_TOKEN_FILE and that whatever writes the token runs`,
        { cause: error },
      )
    }
    if (token === '') {
      throw new CredentialsError(
        'CredentialsNotFound',
        `web identity token file: ${file} is empty; check that whatever writes the token runs`,
      )
    }
    const expiry = expiryOf(token)
    if (expiry !== undefined && expiry * 1000 <= now()) {
      throw new CredentialsError(
        'TokenExpired',
        `web identity token file: the token in ${file} expired at ${new Date(expiry * 1000).toISOString()}; whatever writes it (the EKS agent, the CI runner) should have replaced it`,
      )
    }
    const output = await assumeRoleWithWebIdentity(
      {
        RoleArn: roleArn,
        RoleSessionName:
          options.roleSessionName ?? envValue(env, 'AWS_ROLE_SESSION_NAME') ?? `edge-sts-${now()}`,
        WebIdentityToken: token,
        ...(options.durationSeconds !== undefined && { DurationSeconds: options.durationSeconds }),
      },
      {
        region: options.region ?? (await resolveRegion({ ...resolved })) ?? 'us-east-1',
        endpoint: options.endpoint ?? stsEndpoint(env),
        useFipsEndpoint:
          options.useFipsEndpoint ?? envValue(env, 'AWS_USE_FIPS_ENDPOINT') == 'true',
        fetch: fetchFunction,
        timeoutMs: options.timeoutMs,
        maxAttempts: options.maxAttempts,
        signal: options.signal,
      },
    )
    const credentials = output.Credentials
    const accountId = accountOf(output.AssumedRoleUser?.Arn)
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
      ...(accountId !== undefined && { accountId }),
    }
  }
  return cachedProvider(get, refreshOptionsOf(options))
}
