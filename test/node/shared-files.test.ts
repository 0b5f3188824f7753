import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CredentialsError } from '../../src/node/errors.ts'
import {
  homeDirectory,
  loadSharedConfigFiles,
  mergeProfileFiles,
  parseProfileFile,
  propertyOf,
  resolveRegion,
  sectionOf,
  selectedProfileName,
  sharedFilePaths,
  subPropertiesOf,
} from '../../src/node/shared-files.ts'

const vectors = new URL('../../../shared/vectors/credentials/', import.meta.url)
const readVector = async (name: string) =>
  JSON.parse(await (await import('node:fs/promises')).readFile(new URL(name, vectors), 'utf8'))

interface ParserCase {
  name: string
  input: { configFile?: string; credentialsFile?: string }
  output: {
    config?: { profiles: Record<string, object>; sso_sessions?: Record<string, object> }
    errorContaining?: string
  }
}

interface LocationCase {
  name: string
  environment: Record<string, string>
  platform: string
  profile?: string
  configLocation: string
  credentialsLocation: string
}

const parserCases: ParserCase[] = (await readVector('profile-parser-tests.json')).tests
const locationCases: LocationCase[] = (await readVector('file-location-tests.json')).tests

const plain = (value: unknown) => JSON.parse(JSON.stringify(value))

const parseBoth = (input: ParserCase['input']) => {
  const empty = parseProfileFile('', 'config', 'none')
  const config =
    input.configFile === undefined ? empty : parseProfileFile(input.configFile, 'config', 'config')
  const credentials =
    input.credentialsFile === undefined
      ? empty
      : parseProfileFile(input.credentialsFile, 'credentials', 'credentials')
  return mergeProfileFiles(config, credentials)
}

describe('profile-parser-tests.json (smithy-rs cross-SDK cases)', () => {
  it('has the cases', () => expect(parserCases.length).toBe(65))
  it.each(parserCases.map((c, i) => [`${i}: ${c.name}`, c] as const))('%s', (_, testCase) => {
    if (testCase.output.errorContaining !== undefined) {
      let caught: unknown
      try {
        parseBoth(testCase.input)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(CredentialsError)
      expect((caught as CredentialsError).code).toBe('InvalidConfigFile')
      expect((caught as CredentialsError).tryNextLink).toBe(false)
      expect((caught as Error).message).toContain(testCase.output.errorContaining)
      return
    }
    const parsed = parseBoth(testCase.input)
    expect(plain(parsed.profiles)).toEqual(testCase.output.config!.profiles)
    if (testCase.output.config!.sso_sessions !== undefined)
      expect(plain(parsed.ssoSessions)).toEqual(testCase.output.config!.sso_sessions)
  })
})

describe('file-location-tests.json (smithy-rs cross-SDK cases)', () => {
  it('has the cases', () => expect(locationCases.length).toBe(9))
  it.each(locationCases.map((c, i) => [`${i}: ${c.name}`, c] as const))('%s', (_, testCase) => {
    const options = {
      env: testCase.environment,
      platform: testCase.platform,
      homedir: () => {
        throw new Error('the environment names the home directory')
      },
    }
    expect(sharedFilePaths(options)).toEqual({
      configFile: testCase.configLocation,
      credentialsFile: testCase.credentialsLocation,
    })
    if (testCase.profile !== undefined)
      expect(selectedProfileName({ env: testCase.environment })).toBe(testCase.profile)
  })
})

describe('file locations beyond the shared cases', () => {
  it('falls back to options.homedir() when no variable names a home', () => {
    expect(homeDirectory({ env: {}, homedir: () => '/h', platform: 'linux' })).toBe('/h')
    expect(sharedFilePaths({ env: {}, homedir: () => '/h', platform: 'linux' })).toEqual({
      configFile: '/h/.aws/config',
      credentialsFile: '/h/.aws/credentials',
    })
  })
  it('takes HOMEPATH with the default drive C:\\ when HOMEDRIVE is unset (JS SDK)', () => {
    expect(homeDirectory({ env: { HOMEPATH: 'Users\\me' }, platform: 'win32' })).toBe(
      'C:\\Users\\me',
    )
  })
  it('expands a leading ~/ in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE', () => {
    const env = { HOME: '/home/u', AWS_CONFIG_FILE: '~/cfg', AWS_SHARED_CREDENTIALS_FILE: '~/c' }
    expect(sharedFilePaths({ env, platform: 'linux' })).toEqual({
      configFile: '/home/u/cfg',
      credentialsFile: '/home/u/c',
    })
  })
  it('treats empty variables as unset and prefers an explicit profile', () => {
    expect(selectedProfileName({ env: { AWS_PROFILE: '' } })).toBe('default')
    expect(selectedProfileName({ env: { AWS_PROFILE: 'a' }, profile: 'b' })).toBe('b')
  })
})

describe('parser details', () => {
  it('names the file and the line, never the text of the line', () => {
    const text = '[default]\nregion = us-east-1\naws_secret_access_key : SECRETVALUE123\n'
    let caught: unknown
    try {
      parseProfileFile(text, 'credentials', '/home/u/.aws/credentials')
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CredentialsError)
    const error = caught as CredentialsError
    expect(error.message).toContain('/home/u/.aws/credentials')
    expect(error.message).toContain('line 3')
    expect(error.name).toBe('CredentialsError')
    for (const shown of [error.message, String(error), inspect(error), JSON.stringify(error)])
      expect(shown).not.toContain('SECRETVALUE123')
  })

  it('rejects text after a section header that is not a comment', () => {
    expect(() => parseProfileFile('[profile a] b', 'config', 'f')).toThrow(/line 1/)
  })

  it('keeps names like __proto__ and constructor from reaching any prototype', () => {
    const parsed = parseProfileFile(
      '[profile __proto__]\npolluted = yes\n[profile constructor]\n__proto__ = x\ntostring = y\n',
      'config',
      'f',
    )
    expect(Object.getPrototypeOf(parsed.profiles)).toBe(null)
    expect(sectionOf(parsed.profiles, '__proto__')).toBeUndefined()
    const ctor = sectionOf(parsed.profiles, 'constructor')!
    expect(Object.getPrototypeOf(ctor)).toBe(null)
    expect(plain(ctor)).toEqual({ tostring: 'y' })
    expect(sectionOf(parsed.profiles, 'toString')).toBeUndefined()
    expect(propertyOf(ctor, 'hasOwnProperty')).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('reads services sections and an empty [default]', () => {
    const parsed = parseProfileFile(
      '[default]\n[services s]\nsts =\n  endpoint_url = http://x\n',
      'config',
      'f',
    )
    expect(plain(parsed.profiles)).toEqual({ default: {} })
    expect(plain(parsed.services)).toEqual({ s: { sts: '\nendpoint_url = http://x' } })
    expect(plain(subPropertiesOf('\nEndpoint_URL=http://y # note\nin valid = z'))).toEqual({
      endpoint_url: 'http://y',
    })
  })
})

describe('loadSharedConfigFiles and resolveRegion with real files in a temporary HOME', () => {
  let home: string
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'edge-sts-files-'))
    await mkdir(join(home, '.aws'))
    await writeFile(
      join(home, '.aws', 'config'),
      '[default]\nregion = eu-west-1\n[profile dev]\nregion = us-west-2\noutput = json\n',
    )
    await writeFile(
      join(home, '.aws', 'credentials'),
      '[dev]\naws_access_key_id = AKIDEV\naws_secret_access_key = devsecret\noutput = text\n',
    )
  })
  afterAll(() => rm(home, { recursive: true, force: true }))

  it('merges the files, the credentials file winning key by key', async () => {
    const files = await loadSharedConfigFiles({ env: { HOME: home } })
    expect(files.configFile).toBe(join(home, '.aws', 'config'))
    expect(plain(files.profiles.dev)).toEqual({
      region: 'us-west-2',
      output: 'text',
      aws_access_key_id: 'AKIDEV',
      aws_secret_access_key: 'devsecret',
    })
  })

  it('counts missing files as empty', async () => {
    const files = await loadSharedConfigFiles({ env: { HOME: join(home, 'nowhere') } })
    expect(plain(files.profiles)).toEqual({})
  })

  it('reports an unreadable file (a directory) with its path', async () => {
    const load = loadSharedConfigFiles({ env: { HOME: home, AWS_CONFIG_FILE: home } })
    await expect(load).rejects.toMatchObject({ code: 'InvalidConfigFile' })
    await expect(load).rejects.toThrow(home)
  })

  it('resolves the region: AWS_REGION, AWS_DEFAULT_REGION, then the profile', async () => {
    expect(await resolveRegion({ env: { HOME: home } })).toBe('eu-west-1')
    expect(await resolveRegion({ env: { HOME: home, AWS_PROFILE: 'dev' } })).toBe('us-west-2')
    expect(await resolveRegion({ env: { HOME: home }, profile: 'dev' })).toBe('us-west-2')
    expect(await resolveRegion({ env: { HOME: home, AWS_DEFAULT_REGION: 'ap-south-1' } })).toBe(
      'ap-south-1',
    )
    expect(
      await resolveRegion({
        env: { HOME: home, AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'sa-east-1' },
      }),
    ).toBe('sa-east-1')
    expect(await resolveRegion({ env: { HOME: home }, profile: 'nope' })).toBeUndefined()
  })
})

describe('parser properties (fast-check)', () => {
  const nameCharacters = 'abcXYZ019-_/.%@+:'
  const name = fc.string({
    unit: fc.constantFrom(...nameCharacters.split('')),
    minLength: 1,
    maxLength: 8,
  })
  // Values as a file can hold them: trimmed, no newline, no comment start (# or ; at the start
  // or after whitespace).
  const value = fc
    .string({ unit: fc.constantFrom(...'abc XYZ=;#:/+'.split('')), maxLength: 12 })
    .map((text) => text.replace(/\s+[#;].*$/, '').trim())
    .filter((text) => !/^[#;]/.test(text))

  it('round-trips any profiles written in the file format', () => {
    fc.assert(
      fc.property(
        fc.dictionary(name, fc.dictionary(name, value, { maxKeys: 4 }), { maxKeys: 4 }),
        (profiles) => {
          const expected: Record<string, Record<string, string>> = {}
          let text = ''
          for (const [profile, properties] of Object.entries(profiles)) {
            if (profile === '__proto__') continue
            text += `[profile ${profile}]\n`
            expected[profile] = {}
            for (const [key, propertyValue] of Object.entries(properties)) {
              const lower = key.toLowerCase()
              if (lower === '__proto__') continue
              text += `${key} = ${propertyValue}\n`
              expected[profile][lower] = propertyValue
            }
          }
          // A value that is empty starts sub-properties; none follow here, so it stays empty.
          expect(plain(parseProfileFile(text, 'config', 'f').profiles)).toEqual(expected)
        },
      ),
    )
  })

  it('on any text: parses or throws InvalidConfigFile, never touches a prototype', () => {
    const line = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'[]=#; \tpa_r\\o'.split('')), maxLength: 20 }),
      fc.constantFrom(
        '[profile __proto__]',
        '__proto__ = 1',
        '[default]',
        ' x = 1',
        'constructor = 2',
      ),
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (lines, isConfig) => {
        try {
          const parsed = parseProfileFile(
            lines.join('\n'),
            isConfig ? 'config' : 'credentials',
            'f',
          )
          for (const sections of [parsed.profiles, parsed.ssoSessions, parsed.services]) {
            expect(Object.getPrototypeOf(sections)).toBe(null)
            for (const section of Object.values(sections))
              expect(Object.getPrototypeOf(section)).toBe(null)
          }
        } catch (error) {
          expect(error).toBeInstanceOf(CredentialsError)
          expect((error as CredentialsError).code).toBe('InvalidConfigFile')
        }
        expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('1')
        expect(({} as Record<string, unknown>).x).toBeUndefined()
      }),
    )
  })
})
