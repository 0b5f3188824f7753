// A throwaway self-signed certificate for https://127.0.0.1 (the HTTP/2 server of the browser suite),
// made with node:crypto alone, so the suite needs no openssl binary. X.509 v3, ECDSA P-256 with
// SHA-256, subjectAltName IP 127.0.0.1, valid for one day. The browser is told to accept it over
// the DevTools protocol; nothing else trusts it.
import { generateKeyPairSync, sign } from 'node:crypto'

const concat = (parts: Uint8Array[]) => Buffer.concat(parts)

// DER length: short form below 128, else the byte count (0x80 | n) and the bytes, big-endian.
function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length)
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

const der = (tag: number, ...content: Uint8Array[]) => {
  const body = concat(content)
  return concat([Uint8Array.of(tag), derLength(body.length), body])
}

const SEQUENCE = 0x30
const SET = 0x31
const ECDSA_WITH_SHA256 = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02)
const COMMON_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03)
const SUBJECT_ALT_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x11)

// UTCTime: YYMMDDHHMMSSZ.
const utcTime = (date: Date) =>
  der(
    0x17,
    Buffer.from(
      date
        .toISOString()
        .replace(/[-:T]|\.\d+/g, '')
        .slice(2),
      'ascii',
    ),
  )

export function selfSignedCertificate(now = new Date()): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const name = der(
    SEQUENCE,
    der(SET, der(SEQUENCE, COMMON_NAME, der(0x0c, Buffer.from('127.0.0.1', 'ascii')))),
  )
  const algorithm = der(SEQUENCE, ECDSA_WITH_SHA256)
  const subjectAltName = der(SEQUENCE, der(0x87, Uint8Array.of(127, 0, 0, 1)))
  const extensions = der(
    0xa3,
    der(SEQUENCE, der(SEQUENCE, SUBJECT_ALT_NAME, der(0x04, subjectAltName))),
  )
  const serial = Uint8Array.of(0x01, ...Array.from({ length: 8 }, () => (Math.random() * 256) | 0))
  const tbsCertificate = der(
    SEQUENCE,
    der(0xa0, der(0x02, Uint8Array.of(2))),
    der(0x02, serial),
    algorithm,
    name,
    der(SEQUENCE, utcTime(new Date(+now - 60_000)), utcTime(new Date(+now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  )
  const signature = sign('sha256', tbsCertificate, privateKey)
  const certificate = der(
    SEQUENCE,
    tbsCertificate,
    algorithm,
    der(0x03, Uint8Array.of(0), signature),
  )
  const base64 = certificate.toString('base64').replace(/.{64}/g, '$&\n')
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  }
}
