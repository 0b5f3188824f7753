import { call, type StsConfig } from './client.ts'
import { AssumeRole, type AssumeRoleInput, type AssumeRoleOutput, type Operation } from './operations.ts'
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
export const assumeRole = (input: AssumeRoleInput, config: StsConfig): Promise<AssumeRoleOutput> => call(AssumeRole, input, config)

/**
 * Reads an STS response you fetched yourself, exactly as the client does: resolves to the
 * operation's result or rejects with the same typed errors.
 *
 * @example
 * const out = await parseStsResponse(AssumeRole, await fetch(url, signed))
 */
export const parseStsResponse = async <O>(operation: Operation<any, O>, body: StsBody, options?: ReadXmlOptions): Promise<O> =>
  operation.out(await readStsXml(body, operation.action, operation.paths, options))
