/**
 * What the kit's own tests share: a config for two test users signed with a known secret, and
 * server options whose limits match it and keep every wait short.
 */
import type { ServerOptions } from '@lifeline/mock-server'
import { MemoryBroker } from '@lifeline/mock-server'
import type { ConformanceConfig, ConformanceReport } from '../../index'
import { formatResult } from '../../index'

export const SECRET = 'conformance-kit-test-secret'
export const API_KEY = 'conformance-kit-api-key'
export const ORIGIN = 'http://app.conformance.test'
export const REFUSED_ORIGIN = 'http://evil.conformance.test'

/** Small limits, so that trimming history, flooding and timeouts take moments. */
export const LIMITS = { historySize: 20, maxFrameBytes: 4096, maxSubscriptions: 8, rateLimitBurst: 40, floodFrames: 1000, connectTimeoutMs: 500 }

/** The config for servers made with {@link serverOptions}. */
export function testConfig(overrides: Partial<ConformanceConfig> = {}): ConformanceConfig {
  return {
    users: {
      a: { secret: SECRET, claims: { sub: 'conformance-a' } },
      b: { secret: SECRET, claims: { sub: 'conformance-b' } },
    },
    channels: { both: 'board:conformance-{unique}', onlyA: 'user:conformance-a', readOnlyForB: 'leaderboard' },
    apiKey: API_KEY,
    origin: ORIGIN,
    refusedOrigin: REFUSED_ORIGIN,
    limits: LIMITS,
    timeouts: { replyMs: 5000, httpMs: 10_000, graceMs: 3000, caseMs: 60_000 },
    ...overrides,
  }
}

/** Mock server (or MSW handler) options with the limits of {@link LIMITS} and a 300 ms heartbeat. */
export function serverOptions(broker: ServerOptions['broker'] = new MemoryBroker({ historySize: LIMITS.historySize })): ServerOptions {
  return {
    jwtSecret: SECRET,
    apiKey: API_KEY,
    allowedOrigins: [ORIGIN],
    heartbeatMs: 300,
    connectTimeoutMs: LIMITS.connectTimeoutMs,
    maxFrameBytes: LIMITS.maxFrameBytes,
    maxSubscriptions: LIMITS.maxSubscriptions,
    rateLimit: { perSecond: 20, burst: LIMITS.rateLimitBurst },
    broker,
  }
}

/** The failed results as the readable report prints them, so an assertion shows what broke. */
export function failures(report: ConformanceReport): string[] {
  return report.results.filter((result) => result.status === 'failed').map(formatResult)
}

/** The ids of the results with `status`. */
export function idsWith(report: ConformanceReport, status: 'passed' | 'failed' | 'not-applicable'): string[] {
  return report.results.filter((result) => result.status === status).map((result) => result.id)
}
