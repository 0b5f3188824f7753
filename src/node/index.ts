// The `edge-sts/node` entry: credential sources for runtimes with a file system (Node ≥ 18, Deno 2,
// Bun). The built entry imports the edge entry's build (dist/index.js) instead of carrying a second
// copy, so `instanceof EdgeStsError` holds across both entries.
export { fromEnv } from './env.ts'
export { fromIni } from './ini.ts'
export type { FromIniOptions, IniClientConfig } from './ini.ts'
export { fromProcess } from './process.ts'
export type { FromProcessOptions } from './process.ts'
export { fromSSO } from './sso.ts'
export type { FromSsoOptions } from './sso.ts'
export { fromTokenFile } from './token-file.ts'
export type { TokenFileOptions } from './token-file.ts'
export { fromContainerMetadata, containerCredentialsUrl } from './container-metadata.ts'
export type { ContainerMetadataOptions } from './container-metadata.ts'
export { fromInstanceMetadata, instanceMetadataEndpoint } from './instance-metadata.ts'
export type { InstanceMetadataOptions, InstanceMetadataEndpointMode } from './instance-metadata.ts'
export { fromNodeProviderChain, defaultProvider } from './chain.ts'
export type { NodeProviderChainOptions } from './chain.ts'
export { resolveRegion, loadSharedConfigFiles } from './shared-files.ts'
export type { SharedConfigFiles, ProfileSection } from './shared-files.ts'
export { CredentialsError } from './errors.ts'
export type { CredentialsErrorCode, CredentialsErrorOptions } from './errors.ts'
export type { SourceOptions, Environment } from './options.ts'
export type { NodeCredentialIdentity, NodeCredentialProvider } from './provider.ts'
// What node users combine the sources with, from the edge entry.
export {
  assumeRole,
  cachedProvider,
  createSignedFetch,
  fromAssumeRole,
  fromWebIdentity,
  signRequest,
  EdgeStsError,
  StsError,
  StsValidationError,
} from '../index.ts'
export type {
  AwsCredentialIdentity,
  CredentialProvider,
  RefreshOptions,
  StsConfig,
} from '../index.ts'
