// Every operation against the AWS SDK v3 (@aws-sdk/client-sts) as the oracle: for the same input, the
// SDK's serializer and ours send the same form parameters; for the same response document, the SDK's
// deserializer and ours return the same output. A field the SDK knows and we do not shows up here.
import { readFileSync } from 'node:fs'
import * as sdk from '@aws-sdk/client-sts'
import { HttpResponse } from '@smithy/core/protocols'
import { describe, expect, it } from 'vitest'
import * as ops from '../src/operations.ts'
import { parseStsResponse } from '../src/sts.ts'
import { toForm } from '../src/query.ts'

const arn = (s: string) => `arn:aws:iam::123456789012:${s}`
const tags = [
  { Key: 'team', Value: 'a+b c' },
  { Key: 'Cost-Center', Value: '=12:34/@' },
]
const INPUTS: Record<string, object> = {
  AssumeRole: {
    RoleArn: arn('role/demo'),
    RoleSessionName: 'bob+1=2,x.y@z-w',
    PolicyArns: [{ arn: arn('policy/one') }, { arn: arn('policy/two') }],
    Policy:
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    DurationSeconds: 1800,
    Tags: tags,
    TransitiveTagKeys: ['team'],
    ExternalId: 'ext+id/1',
    SerialNumber: arn('mfa/bob'),
    TokenCode: '123456',
    SourceIdentity: 'bob',
    ProvidedContexts: [
      {
        ProviderArn: 'arn:aws:iam::aws:contextProvider/IdentityCenter',
        ContextAssertion: 'abcd+/=',
      },
    ],
    MinimumSessionTokenSize: 2048,
  },
  AssumeRoleWithWebIdentity: {
    RoleArn: arn('role/ci'),
    RoleSessionName: 'gh',
    WebIdentityToken: 'eyJhbGciOiJSUzI1NiJ9.e30.sig+/=',
    ProviderId: 'graph.facebook.com',
    PolicyArns: [{ arn: arn('policy/one') }],
    Policy: '{}',
    DurationSeconds: 3600,
    MinimumSessionTokenSize: 0,
  },
  AssumeRoleWithSAML: {
    RoleArn: arn('role/saml'),
    PrincipalArn: arn('saml-provider/idp'),
    SAMLAssertion: 'PHNhbWw+PC9zYW1sPg==',
    PolicyArns: [{ arn: arn('policy/one') }],
    Policy: '{}',
    DurationSeconds: 900,
    MinimumSessionTokenSize: 4096,
  },
  GetSessionToken: {
    DurationSeconds: 3600,
    SerialNumber: arn('mfa/bob'),
    TokenCode: '654321',
    MinimumSessionTokenSize: 100,
  },
  GetFederationToken: {
    Name: 'bob',
    Policy: '{}',
    PolicyArns: [{ arn: arn('policy/one') }],
    DurationSeconds: 900,
    Tags: tags,
    MinimumSessionTokenSize: 1,
  },
  AssumeRoot: {
    TargetPrincipal: '111122223333',
    TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials' },
    DurationSeconds: 900,
    MinimumSessionTokenSize: 10,
  },
  GetScopedCredentials: {
    Policy: '{"Statement":[]}',
    DurationSeconds: 60,
    MinimumSessionTokenSize: 64,
    ScopedSessionDescription: 'read-only batch job & more',
  },
  GetDelegatedAccessToken: { TradeInToken: 'trade+in/token=' },
  GetWebIdentityToken: {
    Audience: ['https://api.example.com'],
    DurationSeconds: 300,
    SigningAlgorithm: 'ES384',
    Scope: 'read write:all',
    SubjectMode: 'OriginIdentity',
    Tags: tags,
  },
  GetCallerIdentity: {},
  GetAccessKeyInfo: { AccessKeyId: 'AKIAI44QH8DHBEXAMPLE' },
  DecodeAuthorizationMessage: { EncodedMessage: 'encoded+message/=' },
}
const OPERATIONS = Object.values(ops).filter(
  (o): o is ops.Operation<any, any> => !!o && typeof o == 'object' && 'action' in o,
)

// An SDK client whose request handler records the request and answers with `xml`.
const sdkCall = async (action: string, input: object, xml = '') => {
  let body = ''
  const client = new sdk.STSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (req: { body: string }) => {
        body = req.body
        // The SDK takes the request id from this header only; the documents carry the same one.
        const headers = {
          'content-type': 'text/xml',
          'x-amzn-requestid': /<RequestId>(.*?)</.exec(xml)?.[1] ?? '',
        }
        return {
          response: new HttpResponse({
            statusCode: 200,
            headers,
            body: new TextEncoder().encode(xml),
          }),
        }
      },
    },
  })
  const Command = (sdk as unknown as Record<string, new (i: object) => any>)[`${action}Command`]!
  const output: any = await client.send(new Command(input)).catch((e: Error) => e)
  return { body, output }
}
const pairs = (body: string) =>
  [...new URLSearchParams(body)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

describe('parity with the AWS SDK v3', () => {
  it('covers every operation of the SDK', () => {
    const theirs = Object.keys(sdk)
      .filter((k) => /^[A-Z]\w+Command$/.test(k))
      .map((k) => k.slice(0, -7))
      .sort()
    expect(OPERATIONS.map((o) => o.action).sort()).toEqual(theirs)
  })

  for (const op of OPERATIONS) {
    describe(op.action, () => {
      const input = INPUTS[op.action]!

      it('accepts an input that uses every parameter', () =>
        expect(() => op.check(input)).not.toThrow())

      it('sends the parameters the SDK sends', async () => {
        expect(pairs(toForm(op.action, input))).toEqual(
          pairs((await sdkCall(op.action, input)).body),
        )
      })

      it('reads a response document as the SDK does', async () => {
        const xml = readFileSync(new URL(`fixtures/${op.action}.xml`, import.meta.url), 'utf8')
        const { output } = await sdkCall(op.action, input, xml)
        expect(output).not.toBeInstanceOf(Error)
        const { $metadata, ...theirs } = output
        // Not read (documented): the TransactionContext map of the trusted identity propagation context.
        if (theirs.TrustedIdentityPropagationContext?.TransactionContext) {
          expect(op.action).toBe('AssumeRoleWithSAML')
          delete theirs.TrustedIdentityPropagationContext.TransactionContext
        }
        const mine = await parseStsResponse(op, xml)
        expect(mine.RequestId).toBe($metadata.requestId)
        // Our outputs carry RequestId (the SDK keeps it in $metadata) and leave absent fields undefined.
        expect(JSON.parse(JSON.stringify({ ...mine, RequestId: undefined }))).toEqual(
          JSON.parse(JSON.stringify(theirs)),
        )
        for (const k of Object.keys(theirs))
          expect(Object.prototype.toString.call(mine[k]), k).toBe(
            Object.prototype.toString.call(theirs[k]),
          )
      })
    })
  }
})
