/** How big and how long each benchmark runs: the full run for RESULTS.md, or a quick smoke run. */
export interface Profile {
  name: 'full' | 'smoke'
  /** Client counts of the fan-out runs. */
  fanoutSizes: number[]
  /** Client count of the cross-replica run (split over three replicas). */
  replicaClients: number
  /** Measured repetitions of each phase (medians are reported). */
  repetitions: number
  /** Fixed-rate phase: publishes per second and how many. */
  ratePerSecond: number
  ratePublishes: number
  /** Burst phase: about this many deliveries in total (publishes = deliveries / clients). */
  burstDeliveries: number
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
  ratePerSecond: 10,
  ratePublishes: 30,
  burstDeliveries: 50_000,
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
  ratePerSecond: 20,
  ratePublishes: 10,
  burstDeliveries: 500,
  clientMessages: 5_000,
  clientRuns: 1,
  fallbackRuns: 1,
  silentFallbackRuns: 1,
}
