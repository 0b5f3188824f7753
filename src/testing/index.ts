/**
 * `edge-sts/testing`: a local STS for your own tests, as a web-standard fetch handler. It answers
 * every STS operation `edge-sts` calls for the users, roles and tokens you configure, with STS's
 * error codes and wording, and faults you switch on. Nothing leaves the process.
 *
 * Its signature check recomputes SigV4 with this package's own code: a pass shows that your code
 * and this package agree, not that AWS would accept the request.
 *
 * @example
 * ```ts
 * import { assumeRole } from 'edge-sts'
 * import { createLocalSts, EXAMPLE_ACCOUNT, EXAMPLE_USERS } from 'edge-sts/testing'
 *
 * const sts = createLocalSts()
 * const [alice] = EXAMPLE_USERS
 * const { AssumedRoleUser } = await assumeRole(
 *   { RoleArn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/demo`, RoleSessionName: 'test' },
 *   {
 *     region: 'us-east-1',
 *     credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
 *     fetch: sts.fetch,
 *   },
 * )
 * ```
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
