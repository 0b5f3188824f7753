// Requests signed the same way in the browser and in Node, with a fixed date, to compare the results
// byte for byte. Plain data in, plain data out (bodies as hex), so the page can return it as JSON.
import type * as EdgeSts from '../../src/index.ts'

type Library = Pick<typeof EdgeSts, 'signRequest' | 'presignUrl'>

// The example keys of the AWS documentation: not a secret anywhere.
const KEYS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const TEMPORARY = { ...KEYS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/with=signs' }
const DATE = '2026-11-30T23:59:58.000Z'

export interface SigningCase {
  name: string
  kind: 'sign' | 'presign'
  method?: string
  url: string
  headers?: [string, string][]
  /** A string body, or bytes given as numbers. */
  body?: string | number[]
  temporary?: boolean
  service: string
  region: string
  extra?: { unsignedPayload?: boolean; expiresIn?: number; appendSessionToken?: boolean }
}

export const SIGNING_CASES: SigningCase[] = [
  {
    name: 'S3 GET, encoded key',
    kind: 'sign',
    url: 'https://my-bucket.s3.eu-west-1.amazonaws.com/a%20key/%E2%82%AC.txt?list-type=2&prefix=a%2Fb',
    service: 's3',
    region: 'eu-west-1',
  },
  {
    name: 'STS POST form body, session token',
    kind: 'sign',
    method: 'POST',
    url: 'https://sts.us-east-1.amazonaws.com/',
    headers: [['content-type', 'application/x-www-form-urlencoded; charset=utf-8']],
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
    temporary: true,
    service: 'sts',
    region: 'us-east-1',
  },
  {
    name: 'JSON service, non-ASCII string body, repeated headers',
    kind: 'sign',
    method: 'POST',
    url: 'https://dynamodb.eu-central-1.amazonaws.com/./a//b/../c',
    headers: [
      ['X-Amz-Target', 'DynamoDB_20120810.GetItem'],
      ['x-custom', '  spaced   value  '],
      ['content-type', 'application/x-amz-json-1.0'],
    ],
    body: '{"Key":{"id":{"S":"héllo ✓ 🌍"}}}',
    service: 'dynamodb',
    region: 'eu-central-1',
  },
  {
    name: 'S3 PUT, binary body',
    kind: 'sign',
    method: 'PUT',
    url: 'https://my-bucket.s3.us-west-2.amazonaws.com/bin/data.bin',
    body: [0, 1, 2, 127, 128, 254, 255, 0xe2, 0x82],
    service: 's3',
    region: 'us-west-2',
  },
  {
    name: 'S3 PUT, unsigned payload',
    kind: 'sign',
    method: 'PUT',
    url: 'https://my-bucket.s3.us-west-2.amazonaws.com/stream.bin',
    service: 's3',
    region: 'us-west-2',
    extra: { unsignedPayload: true },
  },
  {
    name: 'presigned S3 GET',
    kind: 'presign',
    url: 'https://my-bucket.s3.eu-west-1.amazonaws.com/a.txt?versionId=3%2Fx',
    service: 's3',
    region: 'eu-west-1',
    extra: { expiresIn: 900 },
  },
  {
    name: 'presigned, session token appended (IoT)',
    kind: 'presign',
    url: 'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt',
    temporary: true,
    service: 'iotdevicegateway',
    region: 'eu-west-1',
    extra: { appendSessionToken: true, expiresIn: 300 },
  },
]

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

export async function runSigningCase(library: Library, testCase: SigningCase) {
  const credentials = testCase.temporary ? TEMPORARY : KEYS
  const body = Array.isArray(testCase.body) ? new Uint8Array(testCase.body) : testCase.body
  const options = {
    credentials,
    region: testCase.region,
    service: testCase.service,
    date: new Date(DATE),
    ...testCase.extra,
  }
  const request = {
    url: testCase.url,
    ...(testCase.method && { method: testCase.method }),
    ...(testCase.headers && { headers: testCase.headers }),
    ...(body !== undefined && { body }),
  }
  if (testCase.kind === 'presign')
    return { url: String(await library.presignUrl(request, options)) }
  const signed = await library.signRequest(request, options)
  const signedBody = signed.body instanceof Uint8Array ? hex(signed.body) : signed.body
  return { method: signed.method, url: signed.url, headers: signed.headers, body: signedBody }
}

export async function runSigningCases(library: Library) {
  const results: Record<string, unknown> = {}
  for (const testCase of SIGNING_CASES)
    results[testCase.name] = await runSigningCase(library, testCase)
  return results
}
