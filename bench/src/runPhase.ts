import type { PinnedChild } from './childProcess'
import type { LatencySummary } from './latencyRecorder'
import { mergedLatencies } from './mergedLatencies'
import type { PhasePlan } from './profile'

/** One measured phase of one contender. */
export interface PhaseResult {
  /**
   * Deliveries per second over the phase: deliveries received ÷ the time from the first publish to
   * the end of the phase. A fixed-rate phase ends one interval after its last publish (its last
   * slot), or at the last receipt if that came later; a burst ends at the last receipt.
   */
  deliveredPerSecond: number
  /** Server CPU (user + system) per delivery, microseconds: everything the process did in the phase. */
  cpuMicrosPerDelivery: number
  /** Server CPU time over the phase (µs), the phase's duration (s) and the deliveries received. */
  cpuMicros: number
  seconds: number
  received: number
  p50: number
  p99: number
  max: number
  /** Median over publishes of each publish's fastest delivery (ms). */
  headP50: number
  /** Deliveries that did not arrive within the phase's bound. */
  lost: number
  /** Each client group's own figures (the cross-replica run has one group per replica). */
  groups: Record<string, LatencySummary>
}

/** Who publishes a phase: a server in its own process (`server.publish`), or the HTTP publisher. */
export type Publish = (plan: PhasePlan) => Promise<{ first: number; last: number }>

export const publishInProcess =
  (server: PinnedChild): Publish =>
  (plan) =>
    server.call('publish', { count: plan.publishes, intervalMs: plan.intervalMs }, 120_000)

/**
 * One measured phase: publish, wait (bounded) for every delivery, and read the CPU time of the
 * server processes in `cpuOf` over the whole phase (summed). `expected` counts deliveries across
 * all client groups.
 */
export async function runPhase(publish: Publish, cpuOf: PinnedChild[], clients: PinnedChild, plan: PhasePlan, expected: number): Promise<PhaseResult> {
  await clients.call('expect', { count: expected })
  await Promise.all(cpuOf.map((server) => server.call('cpuStart')))
  const startedAt = performance.now()
  const published = await publish(plan)
  const groups = await clients.call<Record<string, LatencySummary>>('settle', { timeoutMs: 10_000 + expected / 5 }, 180_000)
  const used = await Promise.all(cpuOf.map((server) => server.call<{ micros: number }>('cpuStop')))
  const seconds = (performance.now() - startedAt) / 1000
  const micros = used.reduce((sum, { micros }) => sum + micros, 0)
  const all = Object.values(groups)
  const received = all.reduce((sum, group) => sum + group.received, 0)
  const lastAt = Math.max(...all.map((group) => group.lastAt))
  const end = Math.max(lastAt, published.first + plan.publishes * plan.intervalMs * 1000)
  return {
    deliveredPerSecond: received / Math.max(1e-6, (end - published.first) / 1e6),
    cpuMicrosPerDelivery: micros / Math.max(1, received),
    cpuMicros: micros,
    seconds,
    received,
    ...mergedLatencies(all),
    lost: expected - received,
    groups,
  }
}
