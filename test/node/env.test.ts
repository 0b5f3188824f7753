import { describe, expect, it } from 'vitest'
import { fromEnv } from '../../src/node/env.ts'
import { CredentialsError } from '../../src/node/errors.ts'

describe('fromEnv', () => {
  it('reads the keys, session token, expiration and account id', async () => {
    const credentials = await fromEnv({
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'env/secret',
        AWS_SESSION_TOKEN: 'env-token',
        AWS_CREDENTIAL_EXPIRATION: '2030-01-02T03:04:05Z',
        AWS_ACCOUNT_ID: '123456789012',
        AWS_CREDENTIAL_SCOPE: 'us-east-1',
      },
    })()
    expect(credentials).toEqual({
      accessKeyId: 'AKIDENV',
      secretAccessKey: 'env/secret',
      sessionToken: 'env-token',
      expiration: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      accountId: '123456789012',
      credentialScope: 'us-east-1',
    })
  })

  it('leaves out what is not set', async () => {
    const credentials = await fromEnv({
      env: { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env/secret' },
    })()
    expect(credentials).toEqual({ accessKeyId: 'AKIDENV', secretAccessKey: 'env/secret' })
  })

  it('reads the variables on each call', async () => {
    const env: Record<string, string> = {}
    const provider = fromEnv({ env })
    await expect(provider()).rejects.toMatchObject({ code: 'CredentialsNotFound' })
    env.AWS_ACCESS_KEY_ID = 'AKIDLATER'
    env.AWS_SECRET_ACCESS_KEY = 'later'
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKIDLATER' })
  })

  it.each([
    ['nothing set', {}],
    ['only the key id', { AWS_ACCESS_KEY_ID: 'AKIDENV' }],
    ['only the secret', { AWS_SECRET_ACCESS_KEY: 'env/secret' }],
    [
      'blank values (cross-SDK case environment_variables_blank)',
      { AWS_ACCESS_KEY_ID: ' ', AWS_SECRET_ACCESS_KEY: ' ' },
    ],
    ['empty values', { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }],
  ])('is not configured with %s: the chain tries the next source', async (_, env) => {
    const error = await fromEnv({ env })().catch((e) => e)
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error).toMatchObject({ code: 'CredentialsNotFound', tryNextLink: true })
    expect(error.message).toContain('AWS_ACCESS_KEY_ID')
  })

  it('rejects an expiration that is not a date, naming the variable and not the keys', async () => {
    const error = await fromEnv({
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'env/secret',
        AWS_CREDENTIAL_EXPIRATION: 'tomorrow',
      },
    })().catch((e) => e)
    expect(error).toMatchObject({ code: 'InvalidProfile', tryNextLink: false })
    expect(error.message).toContain('AWS_CREDENTIAL_EXPIRATION')
    expect(error.message).not.toContain('env/secret')
  })

  it('reads own properties only', async () => {
    const env = Object.create({ AWS_ACCESS_KEY_ID: 'AKIDPROTO', AWS_SECRET_ACCESS_KEY: 'proto' })
    await expect(fromEnv({ env })()).rejects.toMatchObject({ code: 'CredentialsNotFound' })
  })
})
