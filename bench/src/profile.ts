/** How big and how long each benchmark runs: the full run for RESULTS.md, or a quick smoke run. */
export interface Profile {
  name: 'full' | 'smoke'
  /** Client counts of the fan-out runs. */
  fanoutSizes: number[]
  /** Client count of the cross-replica run (split over three replicas). */
  replicaClients: number
  /** Measured repetitions of each phase (medians are reported). */
  repetitions: number
  /**
   * Fixed-rate phase: deliveries per second offered (publishes per second = this / clients), for
   * this long. Kept below what one client core drains, so latency is not just client backlog.
   */
  rateDeliveriesPerSecond: number
  rateSeconds: number
  /** Burst phase: about this many deliveries in total (publishes = deliveries / clients, at least 5). */
  burstDeliveries: number
  /** Idle time before each memory reading, so V8 hands back what the handshakes used only briefly. */
  memoryIdleMs: number
  /** Messages per client-throughput run. */
  clientMessages: number
  clientRuns: number
  /** Fallback runs per case; the silent-upgrade case waits out the 5 s connect timeout each time. */
  fallbackRuns: number
  silentFallbackRuns: number
}

export const FULL: Profile = {
  name: 'full',
  fanoutSizes: [1000, 5000],
  replicaClients: 1000,
  repetitions: 3,
  rateDeliveriesPerSecond: 5000,
  rateSeconds: 2.5,
  burstDeliveries: 25_000,
  memoryIdleMs: 10_000,
  clientMessages: 200_000,
  clientRuns: 5,
  fallbackRuns: 5,
  silentFallbackRuns: 3,
}

export const SMOKE: Profile = {
  name: 'smoke',
  fanoutSizes: [50],
  replicaClients: 30,
  repetitions: 1,
  rateDeliveriesPerSecond: 1000,
  rateSeconds: 0.5,
  burstDeliveries: 250,
  memoryIdleMs: 500,
  clientMessages: 5_000,
  clientRuns: 1,
  fallbackRuns: 1,
  silentFallbackRuns: 1,
}

/** The fixed-rate and burst plans for `clients` connections. */
export function phasePlans(profile: Profile, clients: number) {
  const perSecond = profile.rateDeliveriesPerSecond / clients
  return {
    fixedRate: { publishes: Math.max(2, Math.round(perSecond * profile.rateSeconds)), intervalMs: 1000 / perSecond },
    burst: { publishes: Math.max(5, Math.round(profile.burstDeliveries / clients)), intervalMs: 0 },
  }
}
