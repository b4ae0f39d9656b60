import { perConnection, type Scenario, type ScenarioPlan } from './fanoutScenario'
import type { PhaseResult } from './runPhase'
import { pairedSpread, spreadOf, type Spread } from './spread'

/** The contenders' labels, which name their rows in every table. */
export const LIFELINE = 'Lifeline mock server, WebSocket'
export const RAW = 'raw ws loop'
export const RAW_BATCHED = 'raw ws loop, per-turn batching'
export const SOCKET_IO = 'socket.io 4, WebSocket'
export const LIFELINE_SSE = 'Lifeline mock server, SSE'

/** Every contender of the fan-out suite, in table order. */
export const CONTENDERS: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: LIFELINE, server: 'lifeline', connection: 'lifeline' },
  { label: RAW, server: 'ws', connection: 'ws' },
  { label: RAW_BATCHED, server: 'ws-batched', connection: 'ws' },
  { label: SOCKET_IO, server: 'socket.io', connection: 'socket.io' },
  { label: LIFELINE_SSE, server: 'lifeline', connection: 'lifeline-sse' },
]

export const PHASES = ['fixedRate', 'burst'] as const
export type Phase = (typeof PHASES)[number]
export const PHASE_NAME: Record<Phase, string> = { fixedRate: 'fixed rate', burst: 'burst' }

/** One contender at one size: its set-up clients and every repetition's phase (undefined: failed). */
export interface Contest {
  label: string
  clients: number
  scenario?: Scenario
  error?: string
  rounds: Record<Phase, (PhaseResult | undefined)[]>
  /** The server's idle CPU (µs per second) measured before each round's fixed-rate phase. */
  idle: number[]
}

/** A figure read from a phase's result; `fanoutMicrosPerDelivery` is derived (CPU less the idle rate). */
export type Figure = 'cpuMicrosPerDelivery' | 'fanoutMicrosPerDelivery' | 'p50' | 'p99' | 'max' | 'deliveredPerSecond'
/** Every repetition's value of `key` (NaN for a failed one, so rounds stay aligned for pairing). */
export const series = (contest: Contest | undefined, phase: Phase, key: Figure) => {
  if (!contest) return []
  if (key !== 'fanoutMicrosPerDelivery') return contest.rounds[phase].map((result) => result?.[key] ?? Number.NaN)
  // The median idle rate of the contender, not the round's own: one GC in a short idle window
  // would otherwise be subtracted as if it ran all phase long.
  const idle = spreadOf(contest.idle).median
  return contest.rounds[phase].map((result) => (result ? (result.cpuMicros - idle * result.seconds) / Math.max(1, result.received) : Number.NaN))
}

/** The contender labelled `label` at `clients` clients. */
export const findContest = (contests: Contest[], clients: number, label: string) => contests.find((contest) => contest.clients === clients && contest.label === label)

/** A paired ratio of fan-out CPU (or all CPU), repetition by repetition: Lifeline's round r over the baseline's round r. */
export const ratio = (contests: Contest[], clients: number, phase: Phase, over: string, of = LIFELINE, key: Figure = 'fanoutMicrosPerDelivery'): Spread =>
  pairedSpread(series(findContest(contests, clients, of), phase, key), series(findContest(contests, clients, over), phase, key), (a, b) => a / b)

export const memoryOf = (contest: Contest | undefined, key: 'rss' | 'committed' | 'heap') => (contest?.scenario ? perConnection(contest.scenario.memory, key) : [])

/** Deliveries lost over every repetition of `phase` (NaN for a contender that failed). */
export function lostOf(contest: Contest, phase: Phase): number {
  if (contest.error) return Number.NaN
  return contest.rounds[phase].reduce((sum, result) => sum + (result?.lost ?? 0), 0)
}
