// Signs an STS GetCallerIdentity request with example credentials and prints it (secrets masked).
import { signRequest } from '../dist/index.js'

const signed = await signRequest(
  {
    method: 'POST',
    url: 'https://sts.us-east-1.amazonaws.com/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  },
  { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, region: 'us-east-1', service: 'sts' },
)
console.log(signed.method, signed.url)
for (const [k, v] of Object.entries(signed.headers)) console.log(`${k}: ${v.replace(/Signature=\w+/, 'Signature=…')}`)
