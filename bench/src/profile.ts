/** How big and how long each benchmark runs: the full run for RESULTS.md, or a quick smoke run. */
export interface Profile {
  name: 'full' | 'smoke'
  /** Client counts of the fan-out runs. */
  fanoutSizes: number[]
  /** Fan-out size at which server memory per connection is read (one of `fanoutSizes`). */
  memorySize: number
  /** Connection steps after the first half, each followed by a memory reading. */
  memorySteps: number
  /** Idle time before each memory reading, so V8 hands back what the handshakes used only briefly. */
  memoryIdleMs: number
  /** Client count of the cross-replica run: equal groups, one per replica. */
  replicaClients: number
  /** Publishes per repetition of the cross-replica run, and their rate. */
  replicaPublishes: number
  replicaPublishesPerSecond: number
  /** Measured repetitions of every phase, interleaved across contenders. */
  repetitions: number
  /**
   * Fixed-rate phase: deliveries per second offered (publishes per second = this / clients), for
   * about this long, and never fewer than `minPublishes`. Kept well below what the one client
   * core drains, so latency is not just client backlog.
   */
  rateDeliveriesPerSecond: number
  rateSeconds: number
  /** Burst phase: about this many deliveries in total, never fewer than `minPublishes` publishes. */
  burstDeliveries: number
  minPublishes: number
  /** Idle window per contender and round, whose CPU rate is subtracted from the phases (fan-out CPU). */
  idleWindowMs: number
  /** Messages per client-throughput run. */
  clientMessages: number
  clientRuns: number
  /** Fallback runs per case (Node client, no proxy). */
  fallbackRuns: number
  /** How long the idle-traffic clients stay idle: several liveness periods, so the count per 10 s is not one ping more or less. */
  idleTrafficSeconds: number
  /** Browser runs per case (connect to first message), engines, and tabs for the connection count. */
  browserRuns: number
  /**
   * Runs of the mid-session cases per engine, which wait out the liveness window or an upgrade
   * probe each: Chromium is the reference, the others are checked more briefly.
   */
  browserSlowRuns: Record<'chromium' | 'firefox' | 'webkit', number>
  browserEngines: ('chromium' | 'firefox' | 'webkit')[]
  browserTabs: number
  /** Client options of the browser page: none in the full run (defaults are what is measured). */
  browserClientOptions: Record<string, unknown>
}

export const FULL: Profile = {
  name: 'full',
  fanoutSizes: [1000, 5000],
  memorySize: 5000,
  memorySteps: 4,
  memoryIdleMs: 5000,
  replicaClients: 600,
  replicaPublishes: 100,
  replicaPublishesPerSecond: 20,
  repetitions: 5,
  rateDeliveriesPerSecond: 15_000,
  rateSeconds: 2,
  burstDeliveries: 25_000,
  minPublishes: 10,
  idleWindowMs: 600,
  clientMessages: 200_000,
  clientRuns: 5,
  fallbackRuns: 5,
  idleTrafficSeconds: 90,
  browserRuns: 3,
  browserSlowRuns: { chromium: 2, firefox: 1, webkit: 1 },
  browserEngines: ['chromium', 'firefox', 'webkit'],
  browserTabs: 4,
  browserClientOptions: {},
}

export const SMOKE: Profile = {
  name: 'smoke',
  fanoutSizes: [60],
  memorySize: 60,
  memorySteps: 1,
  memoryIdleMs: 200,
  replicaClients: 30,
  replicaPublishes: 10,
  replicaPublishesPerSecond: 50,
  repetitions: 2,
  rateDeliveriesPerSecond: 3000,
  rateSeconds: 0.2,
  burstDeliveries: 600,
  minPublishes: 10,
  idleWindowMs: 100,
  clientMessages: 5_000,
  clientRuns: 1,
  fallbackRuns: 1,
  idleTrafficSeconds: 12,
  browserRuns: 1,
  browserSlowRuns: { chromium: 1, firefox: 1, webkit: 1 },
  browserEngines: ['chromium'],
  browserTabs: 2,
  // Shorter timers: the smoke run checks that every case works, not how long the defaults take.
  browserClientOptions: { livenessMs: 3000, upgradeDelay: { minMs: 1000, maxMs: 2000 } },
}

export interface PhasePlan {
  publishes: number
  /** 0: back to back (burst). */
  intervalMs: number
}

/** The fixed-rate and burst plans for `clients` connections. */
export function phasePlans(profile: Profile, clients: number): { fixedRate: PhasePlan; burst: PhasePlan } {
  const perSecond = profile.rateDeliveriesPerSecond / clients
  return {
    fixedRate: { publishes: Math.max(profile.minPublishes, Math.round(perSecond * profile.rateSeconds)), intervalMs: 1000 / perSecond },
    burst: { publishes: Math.max(profile.minPublishes, Math.round(profile.burstDeliveries / clients)), intervalMs: 0 },
  }
}
