/**
 * `edge-sts/testing`: a local STS for your own tests, as a web-standard fetch handler.
 *
 * @module
 */
export { createLocalSts } from './local-sts.ts'
export type {
  LocalSts,
  LocalStsOptions,
  LocalStsFaults,
  LocalStsRole,
  LocalStsSession,
  LocalStsUser,
  RecordedRequest,
  SamlAssertionClaims,
  WebIdentityClaims,
} from './local-sts.ts'
export {
  EXAMPLE_ACCOUNT,
  EXAMPLE_AUTHORIZATION_MESSAGES,
  EXAMPLE_ROLES,
  EXAMPLE_SAML_ASSERTIONS,
  EXAMPLE_TRADE_IN_TOKENS,
  EXAMPLE_USERS,
  EXAMPLE_WEB_IDENTITY_TOKENS,
} from './examples.ts'
