// Signing throughput of signRequest against the SubtleCrypto floor (digest of the body, digest of a
// canonical request, one HMAC with a cached CryptoKey, nothing else). Rounds are interleaved; the
// median and min–max of ops/s are printed. Run: npm run bench
import { signRequest } from '../dist/index.js'

const ROUNDS = Number(process.env.ROUNDS ?? 15)
const OPS = Number(process.env.OPS ?? 2000)
const subtle = crypto.subtle
const enc = new TextEncoder()
const body =
  'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=bench-session&DurationSeconds=3600' +
  '&Tags.member.1.Key=team&Tags.member.1.Value=platform&Tags.member.2.Key=cost-center&Tags.member.2.Value=12345&ExternalId=a1b2c3d4e5f6' +
  '&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&SourceIdentity=bench-user&TransitiveTagKeys.member.1=team' +
  '&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fbench&TokenCode=123456'
const request = {
  method: 'POST',
  url: 'https://sts.us-east-1.amazonaws.com/',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body,
}
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const withToken = { ...credentials, sessionToken: 'FQoGZXIvYXdzE'.padEnd(800, 'x') }

const floorKey = await subtle.importKey('raw', enc.encode('k'.repeat(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
const canonicalLike = 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:sts.us-east-1.amazonaws.com\nx-amz-date:20260101T000000Z\n\ncontent-type;host;x-amz-date\n' + 'e'.repeat(64)
const floor = async () => {
  await subtle.digest('SHA-256', enc.encode(body))
  await subtle.digest('SHA-256', enc.encode(canonicalLike))
  await subtle.sign('HMAC', floorKey, enc.encode('AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/sts/aws4_request\n' + 'f'.repeat(64)))
}
const contestants = {
  'floor (digest + digest + HMAC)': floor,
  'edge-sts signRequest': () => signRequest(request, { credentials, region: 'us-east-1', service: 'sts' }),
  'edge-sts signRequest + session token': () => signRequest(request, { credentials: withToken, region: 'us-east-1', service: 'sts' }),
}

const results = Object.fromEntries(Object.keys(contestants).map((k) => [k, []]))
for (const fn of Object.values(contestants)) for (let i = 0; i < 200; i++) await fn() // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(contestants)) {
    const t = performance.now()
    for (let i = 0; i < OPS; i++) await fn()
    results[name].push((OPS / (performance.now() - t)) * 1000)
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1]
const floorMedian = median(results['floor (digest + digest + HMAC)'])
console.log(`Node ${process.version}, ${ROUNDS} rounds x ${OPS} ops, sequential awaits\n`)
console.log('| contestant | median ops/s | min–max | cost vs floor |')
console.log('|---|---:|---:|---:|')
for (const [name, a] of Object.entries(results)) {
  const m = median(a)
  console.log(`| ${name} | ${m.toFixed(0)} | ${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)} | ${(floorMedian / m).toFixed(2)}× |`)
}
