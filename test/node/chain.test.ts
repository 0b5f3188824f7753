import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { defaultProvider, fromNodeProviderChain } from '../../src/node/chain.ts'
import { CredentialsError } from '../../src/node/errors.ts'

const ENV_KEYS = { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'env/Secret+Key' }

// A temporary HOME with ~/.aws/config and ~/.aws/credentials written as given.
const home = (config: string, credentials = '') => {
  const directory = mkdtempSync(join(tmpdir(), 'chain-home-'))
  mkdirSync(join(directory, '.aws'))
  writeFileSync(join(directory, '.aws', 'config'), config)
  writeFileSync(join(directory, '.aws', 'credentials'), credentials)
  return directory
}
const PROFILES = home(
  '[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n',
  '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default/Secret\n' +
    '[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev/Secret\n',
)

// A fetch that answers nothing and records what was asked (the metadata endpoints).
const noNetwork = () => {
  const requests: string[] = []
  const fetchFunction = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(`${init?.method ?? 'GET'} ${String(input)}`)
    throw new TypeError('fetch failed')
  }) as typeof fetch
  return { requests, fetch: fetchFunction }
}

describe('fromNodeProviderChain', () => {
  it('takes the environment keys first', async () => {
    const { fetch, requests } = noNetwork()
    const credentials = await fromNodeProviderChain({
      env: { HOME: PROFILES, ...ENV_KEYS },
      fetch,
    })()
    expect(credentials.accessKeyId).toBe('AKIDFROMENV')
    expect(requests).toEqual([])
  })

  it('skips the environment keys when AWS_PROFILE names a profile (JS rule)', async () => {
    const credentials = await fromNodeProviderChain({
      env: { HOME: PROFILES, AWS_PROFILE: 'dev', ...ENV_KEYS },
    })()
    expect(credentials).toEqual({ accessKeyId: 'AKIDDEV', secretAccessKey: 'dev/Secret' })
  })

  it('skips the environment keys when the profile option is given', async () => {
    const credentials = await fromNodeProviderChain({
      env: { HOME: PROFILES, ...ENV_KEYS },
      profile: 'default',
    })()
    expect(credentials.accessKeyId).toBe('AKIDDEFAULT')
  })

  it('runs a credential_process of the profile (a real subprocess)', async () => {
    const output = JSON.stringify({
      Version: 1,
      AccessKeyId: 'AKIDPROCESS',
      SecretAccessKey: 'process/Secret',
    })
    const directory = home(`[default]\ncredential_process = echo '${output}'\n`)
    const credentials = await fromNodeProviderChain({ env: { HOME: directory } })()
    expect(credentials).toMatchObject({
      accessKeyId: 'AKIDPROCESS',
      secretAccessKey: 'process/Secret',
    })
  })

  it('uses the container endpoint when its variables are set, never IMDS', async () => {
    const { fetch, requests } = noNetwork()
    const error = await fromNodeProviderChain({
      env: { HOME: '/nonexistent', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds' },
      fetch,
      metadataTimeoutMs: 50,
    })().catch((e) => e)
    expect(error.code).toBe('EndpointUnreachable')
    expect(new Set(requests)).toEqual(new Set(['GET http://169.254.170.2/v2/creds']))
  })

  it('when nothing is found, says why each source was skipped, in order', async () => {
    const { fetch, requests } = noNetwork()
    const error = await fromNodeProviderChain({ env: { HOME: '/nonexistent' }, fetch })().catch(
      (e) => e,
    )
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error.code).toBe('CredentialsNotFound')
    const lines = error.message.split('\n').slice(1)
    expect(lines).toHaveLength(6)
    expect(lines[0]).toMatch(/^- environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)
    expect(lines[1]).toMatch(/^- SSO: skipped: no SSO settings/)
    expect(lines[2]).toMatch(/^- profile: .*default/)
    expect(lines[3]).toMatch(/^- credential_process: .*default/)
    expect(lines[4]).toMatch(/^- web identity token file: AWS_WEB_IDENTITY_TOKEN_FILE/)
    expect(lines[5]).toMatch(/^- instance metadata: .*169\.254\.169\.254/)
    expect(requests).toEqual(['PUT http://169.254.169.254/latest/api/token'])
  })

  it('names the profile that skipped the environment keys', async () => {
    const error = await fromNodeProviderChain({
      env: {
        HOME: '/nonexistent',
        AWS_PROFILE: 'ci',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...ENV_KEYS,
      },
    })().catch((e) => e)
    expect(error.message).toContain('- environment: skipped: profile ci is selected')
    expect(error.message).toContain('disabled by AWS_EC2_METADATA_DISABLED')
    expect(`${error.message} ${inspect(error)}`).not.toContain('env/Secret+Key')
  })

  it('stops at a source that is configured but broken instead of trying the next', async () => {
    const { fetch, requests } = noNetwork()
    const error = await fromNodeProviderChain({
      env: {
        HOME: '/nonexistent',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent/token',
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/ci',
      },
      fetch,
    })().catch((e) => e)
    expect(error).toMatchObject({ code: 'CredentialsNotFound', tryNextLink: false })
    expect(error.message).toContain('/nonexistent/token cannot be read')
    expect(requests).toEqual([])
  })

  it('stops at a disallowed container host with InvalidEndpoint', async () => {
    const error = await fromNodeProviderChain({
      env: { HOME: '/nonexistent', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.1.2.3/creds' },
    })().catch((e) => e)
    expect(error.code).toBe('InvalidEndpoint')
  })

  it('stops at a profile cycle, naming the profiles', async () => {
    const directory = home(
      '[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n' +
        '[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n',
    )
    const error = await fromNodeProviderChain({ env: { HOME: directory }, profile: 'a' })().catch(
      (e) => e,
    )
    expect(error.code).toBe('ProfileCycle')
    expect(error.message).toMatch(/\ba\b.*\bb\b/)
  })

  it('caches what it found', async () => {
    const env: Record<string, string> = { HOME: '/nonexistent', ...ENV_KEYS }
    const provider = defaultProvider({ env })
    const first = await provider()
    env.AWS_ACCESS_KEY_ID = 'AKIDCHANGED'
    expect(await provider()).toBe(first)
  })
})
