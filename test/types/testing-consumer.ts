// A consumer of edge-sts/testing's published types, with the edge entry: must compile under DOM,
// WebWorker, Workers types and Node types alone, like the edge entry's own consumer.
import { assumeRole, type StsConfig } from '../../dist/index.js'
import {
  createLocalSts,
  EXAMPLE_ACCOUNT,
  EXAMPLE_USERS,
  type LocalSts,
  type LocalStsFaults,
  type LocalStsOptions,
} from '../../dist/testing.js'

export async function testingConsumer(request: Request): Promise<Response> {
  const options: LocalStsOptions = {
    region: ['us-east-1', 'eu-west-1'],
    cors: 'https://app.example',
    clock: () => Date.now(),
    roles: [{ arn: `arn:aws:iam::${EXAMPLE_ACCOUNT}:role/demo`, trusts: ['oidc:issuer'] }],
  }
  const sts: LocalSts = createLocalSts(options)
  const faults: LocalStsFaults = { throttle: 1, serverError: { count: 1 }, hang: false }
  sts.faults = faults
  const user = EXAMPLE_USERS[0]!
  const config: StsConfig = {
    region: 'us-east-1',
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    fetch: sts.fetch,
  }
  await assumeRole({ RoleArn: options.roles![0]!.arn, RoleSessionName: 'types' }, config)
  const recorded: string | undefined = sts.requests[0]?.params.Action
  sts.reset()
  sts.stop()
  return recorded ? sts.fetch(request) : sts.fetch(request.url, { method: 'POST' })
}
