// Everything in the shared cross-SDK credential data runs here: every scenario folder (replayed
// through fromNodeProviderChain, see replay.ts) and the container and instance metadata URI cases.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fromContainerMetadata } from '../../src/node/container-metadata.ts'
import { fromInstanceMetadata } from '../../src/node/instance-metadata.ts'
import { findScenarios, memoryReadFile, runScenario } from './replay.ts'

const vectors = fileURLToPath(new URL('../../../shared/vectors/credentials/', import.meta.url))
const readCases = (name: string) => JSON.parse(readFileSync(`${vectors}${name}`, 'utf8')).tests

// Scenarios whose expected outcome is a documented difference of the AWS SDK for JavaScript v3,
// which this package follows (at most 3, each with its reason).
const SKIPPED: Record<string, string> = {}

describe.each(['default-credential-provider-chain', 'profile-provider'])('%s', (folder) => {
  const scenarios = findScenarios(`${vectors}${folder}`)
  it('has scenarios', () => expect(scenarios.length).toBeGreaterThan(10))
  for (const scenario of scenarios) {
    const name = scenario.slice(vectors.length)
    const reason = SKIPPED[name]
    if (reason !== undefined) {
      it.skip(`${name} (${reason})`, () => {})
      continue
    }
    it(name, async () => {
      const result = await runScenario(scenario, name)
      expect(result.failures, result.notes.join('\n')).toEqual([])
      expect(result.passed).toBe(true)
    })
  }
})

// A fetch that records the URL and method of every request and answers nothing.
const recorder = () => {
  const requests: { method: string; url: string }[] = []
  const fetchFunction = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ method: init?.method ?? 'GET', url: String(input) })
    throw new TypeError('fetch failed: recorder')
  }) as typeof fetch
  return { requests, fetch: fetchFunction }
}

// What the Rust error texts of the URI cases stand for here.
const CODES: [phrase: string, code: string][] = [
  ['No environment variables were set', 'CredentialsNotFound'],
  ['did not specify a host', 'InvalidEndpoint'],
  ['is not a valid endpoint mode', 'InvalidEndpoint'],
  ['invalid uri character', 'InvalidEndpoint'],
]
const codeFor = (phrase: string) => CODES.find(([known]) => phrase.includes(known))?.[1]

describe('ecs-tests.json: container credential URIs', () => {
  const cases: any[] = readCases('ecs-tests.json')
  it('has cases', () => expect(cases.length).toBe(11))
  it.each(cases.map((c) => [c.docs, c]))('%s', async (_, testCase) => {
    const { requests, fetch } = recorder()
    const provider = fromContainerMetadata({ env: testCase.env, fetch, maxRetries: 0 })
    const error: any = await provider().catch((e) => e)
    if ('Ok' in testCase.result) {
      expect(requests).toEqual([{ method: 'GET', url: new URL(testCase.result.Ok).href }])
      expect(error.code).toBe('EndpointUnreachable')
    } else {
      expect(requests).toEqual([])
      expect(error.code).toBe(codeFor(testCase.result.ErrorContains))
    }
  })
})

describe('imds-endpoint-tests.json: instance metadata endpoint and mode', () => {
  const cases: any[] = readCases('imds-endpoint-tests.json')
  it('has cases', () => expect(cases.length).toBe(14))
  it.each(cases.map((c) => [c.docs, c]))('%s', async (_, testCase) => {
    const { requests, fetch } = recorder()
    const provider = fromInstanceMetadata({
      env: testCase.env,
      readFile: memoryReadFile(new Map(Object.entries(testCase.fs))),
      homedir: () => '/home',
      fetch,
      endpoint: testCase.endpoint_override,
      endpointMode: testCase.mode_override,
      maxRetries: 0,
    })
    const error: any = await provider().catch((e) => e)
    if ('Ok' in testCase.result) {
      expect(requests[0]).toEqual({ method: 'PUT', url: testCase.result.Ok })
    } else {
      expect(requests).toEqual([])
      expect(error.code).toBe(codeFor(testCase.result.Err))
      expect(error.message).toContain(testCase.result.Err)
    }
  })
})
