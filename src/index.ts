export { signRequest, presignUrl } from './sigv4.ts'
export type { Credentials, SignableRequest, SignedRequest, SignOptions, PresignOptions } from './sigv4.ts'
export { EdgeStsError, StsValidationError, StsError, isRetryable } from './errors.ts'
export type { ValidationIssue, StsErrorDetails } from './errors.ts'
