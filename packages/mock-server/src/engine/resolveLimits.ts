import { DEFAULT_LIMITS, type EngineOptions } from './engineOptions'
import type { SessionLimits } from './engineContext'
import { DEFAULT_TOKEN_POLICY } from './tokenPolicy'

/** The engine's numeric limits with their defaults; see {@link resolveLimits}. */
export interface ResolvedLimits {
  limits: SessionLimits
  maxPayloadDepth: number
  maxConnectionsPerIp: number
  maxTokenLifetimeMs: number
}

/**
 * The limits of `options` (without its `undefined` fields) over their defaults. Throws a `TypeError`
 * naming the option when one is not a positive number, so a misconfigured server fails at start.
 */
export function resolveLimits(options: Partial<EngineOptions>): ResolvedLimits {
  const limits: SessionLimits = { ...DEFAULT_LIMITS, ...pick(options, Object.keys(DEFAULT_LIMITS) as (keyof SessionLimits)[]) }
  for (const [name, value] of Object.entries(limits)) {
    if (name !== 'rateLimit') assertPositive(name, value)
  }
  const { maxPayloadDepth = 32, maxConnectionsPerIp = 256, maxTokenLifetimeMs = DEFAULT_TOKEN_POLICY.maxLifetimeMs } = options
  for (const [name, value] of Object.entries({ maxPayloadDepth, maxConnectionsPerIp, maxTokenLifetimeMs })) assertPositive(name, value)
  return { limits, maxPayloadDepth, maxConnectionsPerIp, maxTokenLifetimeMs }
}

function assertPositive(name: string, value: unknown): void {
  if (!(typeof value === 'number' && value > 0)) throw new TypeError(`Option "${name}" must be a positive number, got ${String(value)}`)
}

function pick<T extends object, K extends keyof T>(source: Partial<T>, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => key in source).map((key) => [key, source[key]])) as Partial<Pick<T, K>>
}
