import { call, type StsConfig } from './client.ts'
import {
  AssumeRole,
  AssumeRoleWithSAML,
  AssumeRoleWithWebIdentity,
  AssumeRoot,
  DecodeAuthorizationMessage,
  GetAccessKeyInfo,
  GetCallerIdentity,
  GetFederationToken,
  GetSessionToken,
  GetScopedCredentials,
  GetDelegatedAccessToken,
  GetWebIdentityToken,
  type AssumeRoleInput,
  type AssumeRoleOutput,
  type AssumeRoleWithSAMLInput,
  type AssumeRoleWithSAMLOutput,
  type AssumeRoleWithWebIdentityInput,
  type AssumeRoleWithWebIdentityOutput,
  type AssumeRootInput,
  type CredentialsOutput,
  type GetCallerIdentityOutput,
  type GetFederationTokenInput,
  type GetFederationTokenOutput,
  type GetSessionTokenInput,
  type GetScopedCredentialsInput,
  type GetScopedCredentialsOutput,
  type GetDelegatedAccessTokenOutput,
  type GetWebIdentityTokenInput,
  type GetWebIdentityTokenOutput,
  type Operation,
} from './operations.ts'
import { readStsXml, type ReadXmlOptions, type StsBody } from './xml.ts'

/**
 * Calls STS AssumeRole and returns temporary credentials for the role.
 *
 * Every parameter is checked against the STS API reference first (all broken rules reported in one
 * `StsValidationError`); the request is signed with SigV4 (the session token too, for role chaining),
 * retried on throttling and transient faults, and the response is read as it streams in.
 *
 * @example
 * const { Credentials } = await assumeRole(
 *   { RoleArn: 'arn:aws:iam::123456789012:role/demo', RoleSessionName: 'worker' },
 *   { credentials: { accessKeyId, secretAccessKey }, region: 'us-east-1' })
 */
export const assumeRole = (input: AssumeRoleInput, config: StsConfig): Promise<AssumeRoleOutput> =>
  call(AssumeRole, input, config)

/** STS AssumeRoleWithWebIdentity: an OIDC token for role credentials. Unsigned: `config.credentials` is not used. */
export const assumeRoleWithWebIdentity = (
  input: AssumeRoleWithWebIdentityInput,
  config: StsConfig,
): Promise<AssumeRoleWithWebIdentityOutput> => call(AssumeRoleWithWebIdentity, input, config)

/** STS AssumeRoleWithSAML: a SAML assertion for role credentials. Unsigned: `config.credentials` is not used. */
export const assumeRoleWithSAML = (
  input: AssumeRoleWithSAMLInput,
  config: StsConfig,
): Promise<AssumeRoleWithSAMLOutput> => call(AssumeRoleWithSAML, input, config)

/** STS GetSessionToken: temporary credentials for an IAM user (with MFA: `SerialNumber` + `TokenCode`). */
export const getSessionToken = (
  input: GetSessionTokenInput,
  config: StsConfig,
): Promise<CredentialsOutput> => call(GetSessionToken, input, config)

/** STS GetFederationToken: temporary credentials for a federated user. */
export const getFederationToken = (
  input: GetFederationTokenInput,
  config: StsConfig,
): Promise<GetFederationTokenOutput> => call(GetFederationToken, input, config)

/** STS AssumeRoot: short-term credentials for a privileged task on a member account's root user. */
export const assumeRoot = (input: AssumeRootInput, config: StsConfig): Promise<CredentialsOutput> =>
  call(AssumeRoot, input, config)

/** STS GetCallerIdentity: the account, user id and ARN of the credentials. */
export const getCallerIdentity = (config: StsConfig): Promise<GetCallerIdentityOutput> =>
  call(GetCallerIdentity, {}, config)

/** STS GetAccessKeyInfo: the account an access key id belongs to. */
export const getAccessKeyInfo = (
  input: { AccessKeyId: string },
  config: StsConfig,
): Promise<{ Account?: string; RequestId?: string }> => call(GetAccessKeyInfo, input, config)

/** STS DecodeAuthorizationMessage: the JSON behind an encoded authorization failure. */
export const decodeAuthorizationMessage = (
  input: { EncodedMessage: string },
  config: StsConfig,
): Promise<{ DecodedMessage?: string; RequestId?: string }> =>
  call(DecodeAuthorizationMessage, input, config)

/** STS GetScopedCredentials: the caller's temporary credentials narrowed by `Policy` and/or a shorter `DurationSeconds`. */
export const getScopedCredentials = (
  input: GetScopedCredentialsInput,
  config: StsConfig,
): Promise<GetScopedCredentialsOutput> => call(GetScopedCredentials, input, config)

/** STS GetDelegatedAccessToken: a trade-in token exchanged for the credentials of the principal it names. */
export const getDelegatedAccessToken = (
  input: { TradeInToken: string },
  config: StsConfig,
): Promise<GetDelegatedAccessTokenOutput> => call(GetDelegatedAccessToken, input, config)

/**
 * STS GetWebIdentityToken: a JWT signed by STS that names the caller (its `aud` from `Audience`), for
 * services that accept OIDC. Not available on the global endpoint: give a regional `region`.
 */
export const getWebIdentityToken = (
  input: GetWebIdentityTokenInput,
  config: StsConfig,
): Promise<GetWebIdentityTokenOutput> => call(GetWebIdentityToken, input, config)

/**
 * Reads an STS response you fetched yourself, exactly as the client does: resolves to the
 * operation's result or rejects with the same typed errors.
 *
 * @example
 * const out = await parseStsResponse(AssumeRole, await fetch(url, signed))
 */
export const parseStsResponse = async <O>(
  operation: Operation<any, O>,
  body: StsBody,
  options?: ReadXmlOptions,
): Promise<O> => operation.out(await readStsXml(body, operation.action, operation.paths, options))
