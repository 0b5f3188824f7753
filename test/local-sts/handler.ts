// The suite's names for the local STS, which lives in src/testing (the `edge-sts/testing` export).
export { createLocalSts } from '../../src/testing/index.ts'
export type {
  LocalSts,
  LocalStsFaults as Faults,
  LocalStsRole as Role,
  LocalStsSession as Session,
  LocalStsUser as User,
  RecordedRequest,
} from '../../src/testing/index.ts'
export {
  EXAMPLE_ACCOUNT as ACCOUNT,
  EXAMPLE_ROLES as ROLES,
  EXAMPLE_SAML_ASSERTIONS as SAML_ASSERTIONS,
  EXAMPLE_TRADE_IN_TOKENS as TRADE_IN_TOKENS,
  EXAMPLE_USERS as USERS,
  EXAMPLE_WEB_IDENTITY_TOKENS as WEB_TOKENS,
  EXAMPLE_AUTHORIZATION_MESSAGES as AUTHORIZATION_MESSAGES,
} from '../../src/testing/index.ts'
export const NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
