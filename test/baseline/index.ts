export { signRequest, presignUrl } from './sigv4.ts'
export type {
  Credentials,
  HeaderList,
  SignableBody,
  SignableRequest,
  SignedRequest,
  SignOptions,
  PresignOptions,
} from './sigv4.ts'
export {
  assumeRole,
  assumeRoleWithWebIdentity,
  assumeRoleWithSAML,
  assumeRoot,
  getSessionToken,
  getFederationToken,
  getCallerIdentity,
  getAccessKeyInfo,
  decodeAuthorizationMessage,
  getScopedCredentials,
  getDelegatedAccessToken,
  getWebIdentityToken,
  parseStsResponse,
} from './sts.ts'
export {
  AssumeRole,
  AssumeRoleWithWebIdentity,
  AssumeRoleWithSAML,
  AssumeRoot,
  GetSessionToken,
  GetFederationToken,
  GetCallerIdentity,
  GetAccessKeyInfo,
  DecodeAuthorizationMessage,
  GetScopedCredentials,
  GetDelegatedAccessToken,
  GetWebIdentityToken,
} from './operations.ts'
export type {
  AssumeRoleInput,
  AssumeRoleOutput,
  AssumeRoleWithWebIdentityInput,
  AssumeRoleWithWebIdentityOutput,
  AssumeRoleWithSAMLInput,
  AssumeRoleWithSAMLOutput,
  AssumeRootInput,
  CredentialsOutput,
  GetSessionTokenInput,
  GetFederationTokenInput,
  GetFederationTokenOutput,
  GetCallerIdentityOutput,
  GetScopedCredentialsInput,
  GetScopedCredentialsOutput,
  GetDelegatedAccessTokenOutput,
  GetWebIdentityTokenInput,
  GetWebIdentityTokenOutput,
  TrustedIdentityPropagationContext,
  StsCredentials,
  Operation,
} from './operations.ts'
export {
  fromAssumeRole,
  fromWebIdentity,
  fromOperation,
  cachedProvider,
  toIdentity,
} from './credentials.ts'
export type {
  AwsCredentialIdentity,
  CredentialProvider,
  RefreshOptions,
  AssumeRoleProviderInput,
} from './credentials.ts'
export type { StsConfig, CredentialsSource } from './client.ts'
export type { StsBody, ReadXmlOptions, XmlFields } from './xml.ts'
export { EdgeStsError, StsValidationError, StsError, isRetryable } from './errors.ts'
export type { ValidationIssue, StsErrorDetails } from './errors.ts'
export { createSignedFetch } from './signed-fetch.ts'
export type { SignedFetchConfig } from './signed-fetch.ts'
