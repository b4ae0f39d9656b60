import { atMost, type BenchSection, type GoalVerdict } from './benchSection'
import { measureIdle, measurePhase, perConnection, setUpScenarios, type PhaseResult, type Scenario, type ScenarioPlan } from './fanoutScenario'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type PhasePlan, type Profile } from './profile'
import { pairedSpread, showSpread, spreadOf, type Spread } from './spread'

const LIFELINE = 'Lifeline mock server, WebSocket'
const RAW = 'raw ws loop'
const RAW_BATCHED = 'raw ws loop, per-turn batching'
const SOCKET_IO = 'socket.io 4, WebSocket'
const LIFELINE_SSE = 'Lifeline mock server, SSE'

const CONTENDERS: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: LIFELINE, server: 'lifeline', connection: 'lifeline' },
  { label: RAW, server: 'ws', connection: 'ws' },
  { label: RAW_BATCHED, server: 'ws-batched', connection: 'ws' },
  { label: SOCKET_IO, server: 'socket.io', connection: 'socket.io' },
  { label: LIFELINE_SSE, server: 'lifeline', connection: 'lifeline-sse' },
]

const PHASES = ['fixedRate', 'burst'] as const
type Phase = (typeof PHASES)[number]
const PHASE_NAME: Record<Phase, string> = { fixedRate: 'fixed rate', burst: 'burst' }

/** KiB for the tables; the memory goal is in KB (1,000 bytes). */
const KIB = 1024
const KB = 1000
/** Lifeline's budgets against the baselines of the same run. */
const CPU_OVER_RAW = 1.15
const CPU_OVER_SOCKET_IO = 0.7
const MEMORY_OVER_RAW_KB = 4

/** One contender at one size: its set-up clients and every repetition's phase (undefined: failed). */
interface Contest {
  label: string
  clients: number
  scenario?: Scenario
  error?: string
  rounds: Record<Phase, (PhaseResult | undefined)[]>
  /** The server's idle CPU (µs per second) measured before each round's fixed-rate phase. */
  idle: number[]
}

/**
 * Server fan-out: at each size every contender is set up first (idle, in its own pair of pinned
 * processes), then the phases run interleaved, each round in a rotated order (A B C D E, B C D E
 * A, …), so a change in the load from the rest of the machine hits every contender alike and no
 * contender always runs first.
 */
export async function runFanoutSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const contests: Contest[] = []
  for (const clients of profile.fanoutSizes) contests.push(...(await runSize(profile, clients, token, log)))
  return { title: 'Server fan-out', markdown: render(profile, contests), goals: goals(profile, contests), failures: failures(profile, contests) }
}

async function runSize(profile: Profile, clients: number, token: string, log: (line: string) => void): Promise<Contest[]> {
  const contests: Contest[] = CONTENDERS.map((contender) => ({ label: contender.label, clients, rounds: { fixedRate: [], burst: [] }, idle: [] }))
  const fail = (contest: Contest, error: unknown) => {
    contest.error ??= error instanceof Error ? error.message : String(error)
    log(`  ${contest.label} failed: ${contest.error}`)
  }
  try {
    const memorySteps = clients === profile.memorySize ? profile.memorySteps : 0
    log(`fan-out: ${clients} clients: setting up ${CONTENDERS.length} contenders${memorySteps ? `, reading memory in ${memorySteps + 1} steps` : ''}`)
    const setUp = await setUpScenarios(
      CONTENDERS.map((contender) => ({ ...contender, clients, token })),
      { memorySteps, idleMs: profile.memoryIdleMs },
    )
    for (const [index, outcome] of setUp.entries()) {
      const contest = contests[index]!
      if (outcome instanceof Error) fail(contest, outcome)
      else {
        contest.scenario = outcome
        log(`  ${contest.label}: ${outcome.connected} connected in ${fixed(outcome.connectSeconds)} s`)
      }
    }
    const plans = phasePlans(profile, clients)
    for (let round = 0; round < profile.repetitions; round++) {
      const order = contests.map((_, index) => contests[(index + round) % contests.length]!)
      for (const phase of PHASES) {
        for (const contest of order) {
          if (phase === 'fixedRate') contest.idle[round] = await idle(contest, profile.idleWindowMs, fail)
          contest.rounds[phase][round] = await measure(contest, plans[phase], fail)
        }
      }
      const cpu = contests.map((contest) => fixed(contest.rounds.fixedRate[round]?.cpuMicrosPerDelivery ?? Number.NaN, 2)).join(' / ')
      log(`  round ${round + 1}: fixed-rate server CPU µs/delivery ${cpu} (${contests.map((contest) => contest.label).join(' / ')})`)
    }
  } finally {
    await Promise.all(contests.map((contest) => contest.scenario?.stop()))
  }
  return contests
}

async function measure(contest: Contest, plan: PhasePlan, fail: (contest: Contest, error: unknown) => void): Promise<PhaseResult | undefined> {
  if (!contest.scenario || contest.error) return undefined
  try {
    return await measurePhase(contest.scenario, plan)
  } catch (error) {
    fail(contest, error)
    return undefined
  }
}

async function idle(contest: Contest, ms: number, fail: (contest: Contest, error: unknown) => void): Promise<number> {
  if (!contest.scenario || contest.error) return Number.NaN
  try {
    return await measureIdle(contest.scenario, ms)
  } catch (error) {
    fail(contest, error)
    return Number.NaN
  }
}

/** Every repetition's value of `key` (NaN for a failed one, so rounds stay aligned for pairing). */
type Figure = 'cpuMicrosPerDelivery' | 'fanoutMicrosPerDelivery' | 'p50' | 'p99' | 'max' | 'deliveredPerSecond'
const series = (contest: Contest | undefined, phase: Phase, key: Figure) => {
  if (!contest) return []
  if (key !== 'fanoutMicrosPerDelivery') return contest.rounds[phase].map((result) => result?.[key] ?? Number.NaN)
  // The median idle rate of the contender, not the round's own: one GC in a short idle window
  // would otherwise be subtracted as if it ran all phase long.
  const idle = spreadOf(contest.idle).median
  return contest.rounds[phase].map((result) => (result ? (result.cpuMicros - idle * result.seconds) / Math.max(1, result.received) : Number.NaN))
}

const find = (contests: Contest[], clients: number, label: string) => contests.find((contest) => contest.clients === clients && contest.label === label)

/** A paired ratio of fan-out CPU (or all CPU), repetition by repetition: Lifeline's round r over the baseline's round r. */
const ratio = (contests: Contest[], clients: number, phase: Phase, over: string, of = LIFELINE, key: Figure = 'fanoutMicrosPerDelivery'): Spread =>
  pairedSpread(series(find(contests, clients, of), phase, key), series(find(contests, clients, over), phase, key), (a, b) => a / b)

const memoryOf = (contest: Contest | undefined, key: 'rss' | 'committed' | 'heap') => (contest?.scenario ? perConnection(contest.scenario.memory, key) : [])

function render(profile: Profile, contests: Contest[]): string {
  const phaseRows = (phase: Phase) =>
    contests.map((contest) => [
      contest.label + (contest.error ? ` (failed: ${contest.error})` : ''),
      whole(contest.clients),
      whole(spreadOf(series(contest, phase, 'deliveredPerSecond')).median),
      showSpread(spreadOf(series(contest, phase, 'fanoutMicrosPerDelivery'))),
      showSpread(spreadOf(series(contest, phase, 'cpuMicrosPerDelivery'))),
      showSpread(spreadOf(series(contest, phase, 'p50'))),
      showSpread(spreadOf(series(contest, phase, 'p99'))),
      fixed(spreadOf(series(contest, phase, 'max')).median, 1),
      whole(lostOf(contest, phase)),
    ])
  const header = ['Server', 'Clients', 'Delivered msg/s', 'Fan-out CPU µs/delivery', 'All server CPU µs/delivery', 'p50 ms', 'p99 ms', 'max ms', 'Lost']
  const ratioRows = profile.fanoutSizes.flatMap((clients) =>
    PHASES.map((phase) => [
      `${whole(clients)} clients, ${PHASE_NAME[phase]}`,
      showSpread(ratio(contests, clients, phase, RAW_BATCHED)),
      showSpread(ratio(contests, clients, phase, RAW)),
      showSpread(ratio(contests, clients, phase, SOCKET_IO)),
      showSpread(ratio(contests, clients, phase, RAW_BATCHED, LIFELINE_SSE)),
      showSpread(ratio(contests, clients, phase, RAW_BATCHED, LIFELINE, 'cpuMicrosPerDelivery')),
      showSpread(ratio(contests, clients, phase, SOCKET_IO, LIFELINE, 'cpuMicrosPerDelivery')),
    ]),
  )
  const memoryContests = contests.filter((contest) => contest.clients === profile.memorySize)
  const steps = memoryContests.find((contest) => contest.scenario)?.scenario?.memory.steps ?? []
  const memoryRows = memoryContests.map((contest) => [
    contest.label,
    showSpread(spreadOf(memoryOf(contest, 'rss').map((bytes) => bytes / KIB))),
    showSpread(spreadOf(memoryOf(contest, 'committed').map((bytes) => bytes / KIB))),
    showSpread(spreadOf(memoryOf(contest, 'heap').map((bytes) => bytes / KIB))),
  ])
  const plans = profile.fanoutSizes.map((clients) => {
    const { fixedRate, burst } = phasePlans(profile, clients)
    return `${whole(clients)} clients: ${fixedRate.publishes} publishes every ${fixed(fixedRate.intervalMs, 0)} ms, then a burst of ${burst.publishes}`
  })
  return [
    `Fixed rate: ${whole(profile.rateDeliveriesPerSecond)} deliveries/s offered, at least ${profile.minPublishes} publishes. Burst: publishes back to back in one turn of the event loop. (${plans.join('; ')}.) Every figure is the median of ${profile.repetitions} interleaved repetitions with the min–max over them in brackets; max ms is the median of the repetitions' maxima; Lost adds up every repetition.`,
    '',
    '### Fixed rate',
    '',
    markdownTable(header, phaseRows('fixedRate')),
    '',
    '### Burst',
    '',
    markdownTable(header, phaseRows('burst')),
    '',
    batchingNote(profile, contests),
    '',
    '### CPU per delivery, ratios (paired by repetition)',
    '',
    'Each repetition\'s ratio uses the two contenders\' phases of that same round (run minutes apart at most, under the same machine load); median (min–max) over the rounds. The goals are judged against the raw loop with the same per-turn batching as Lifeline; at a fixed rate every socket gets one message per turn, so neither batches and the two raw loops should agree.',
    '',
    markdownTable(['Case', 'Lifeline WS ÷ raw ws, batched', 'Lifeline WS ÷ raw ws', 'Lifeline WS ÷ socket.io', 'Lifeline SSE ÷ raw ws, batched', 'All CPU: Lifeline WS ÷ raw ws, batched', 'All CPU: Lifeline WS ÷ socket.io'], ratioRows),
    '',
    `Idle CPU (heartbeats and timers with every client connected, nothing published; ${profile.idleWindowMs} ms before each round's fixed-rate phase), in % of one core, median (min–max) over the rounds; fan-out CPU subtracts each contender's median: ${idleSummary(profile, contests)}.`,
    '',
    `### Memory per idle connection (${whole(profile.memorySize)} clients)`,
    '',
    steps.length > 1
      ? `Server memory after three \`gc()\` calls, read after ${whole(steps[0]!)} clients, then after each of ${steps.length - 1} steps of about ${whole(steps[1]!)} more, every contender idle ${fixed(profile.memoryIdleMs / 1000, 0)} s before each reading. Each step's growth ÷ its clients is one reading: median (min–max) over the steps.`
      : 'Memory was not read in this run.',
    '',
    markdownTable(['Server', 'RSS KiB/conn', 'V8 heap committed KiB/conn', 'Heap used + external KiB/conn'], memoryRows),
  ].join('\n')
}

/** What per-turn batching buys and costs in a burst, from the two raw loops of the same run. */
function batchingNote(profile: Profile, contests: Contest[]): string {
  const parts = profile.fanoutSizes.map((clients) => {
    const raw = find(contests, clients, RAW)
    const batched = find(contests, clients, RAW_BATCHED)
    const median = (contest: Contest | undefined, key: 'cpuMicrosPerDelivery' | 'p50' | 'p99') => fixed(spreadOf(series(contest, 'burst', key)).median, 2)
    return `at ${whole(clients)} clients it takes the raw loop from ${median(raw, 'cpuMicrosPerDelivery')} to ${median(batched, 'cpuMicrosPerDelivery')} µs of CPU per delivery, p50 from ${median(raw, 'p50')} to ${median(batched, 'p50')} ms and p99 from ${median(raw, 'p99')} to ${median(batched, 'p99')} ms`
  })
  return `Per-turn batching (one write per socket for the whole burst instead of one per message): ${parts.join('; ')}. A burst's first message to each socket still leaves at once; the rest wait for the end of the turn, so batching trades some early deliveries' latency for far fewer system calls, and how that nets out on latency depends on whether the server or the client core is the bottleneck.`
}

function idleSummary(profile: Profile, contests: Contest[]): string {
  return profile.fanoutSizes
    .map((clients) => `${whole(clients)} clients: ${contests.filter((contest) => contest.clients === clients).map((contest) => `${contest.label} ${showSpread(spreadOf(contest.idle.map((micros) => micros / 1e4)), 2)}`).join(', ')}`)
    .join('; ')
}

function lostOf(contest: Contest, phase: Phase): number {
  if (contest.error) return Number.NaN
  return contest.rounds[phase].reduce((sum, result) => sum + (result?.lost ?? 0), 0)
}

function goals(profile: Profile, contests: Contest[]): GoalVerdict[] {
  const size = Math.max(...profile.fanoutSizes)
  const overRaw = ratio(contests, size, 'fixedRate', RAW_BATCHED)
  const overSocketIo = ratio(contests, size, 'fixedRate', SOCKET_IO)
  const allOverRaw = ratio(contests, size, 'fixedRate', RAW_BATCHED, LIFELINE, 'cpuMicrosPerDelivery')
  const allOverSocketIo = ratio(contests, size, 'fixedRate', SOCKET_IO, LIFELINE, 'cpuMicrosPerDelivery')
  // Judged on heap used + external: the native part of a socket (its libuv handle, kernel buffers)
  // is the same net.Socket under both, while RSS moves in allocator and heap-page steps far larger
  // than a step's growth (see the RSS column).
  const lifelineHeap = memoryOf(find(contests, profile.memorySize, LIFELINE), 'heap')
  const rawHeap = memoryOf(find(contests, profile.memorySize, RAW), 'heap')
  const extra = pairedSpread(lifelineHeap, rawHeap, (a, b) => (a - b) / KB)
  const lifelineKb = spreadOf(lifelineHeap.map((bytes) => bytes / KB))
  const rssExtra = pairedSpread(memoryOf(find(contests, profile.memorySize, LIFELINE), 'rss'), memoryOf(find(contests, profile.memorySize, RAW), 'rss'), (a, b) => (a - b) / KB)
  return [
    {
      goal: `Fan-out CPU per delivery (idle cost subtracted), ${whole(size)} clients, fixed rate, against raw ws (same batching)`,
      target: `≤ ${fixed(CPU_OVER_RAW, 2)}×`,
      measured: `${showSpread(overRaw)}× (all CPU, heartbeats included: ${showSpread(allOverRaw)}×)`,
      verdict: atMost(overRaw, CPU_OVER_RAW),
    },
    {
      goal: `… against socket.io`,
      target: `≤ ${fixed(CPU_OVER_SOCKET_IO, 2)}×`,
      measured: `${showSpread(overSocketIo)}× (all CPU: ${showSpread(allOverSocketIo)}×)`,
      verdict: atMost(overSocketIo, CPU_OVER_SOCKET_IO),
    },
    {
      goal: `Memory per idle WebSocket connection, ${whole(profile.memorySize)} clients (heap used + external, over raw ws of the same run)`,
      target: `≤ raw ws + ${MEMORY_OVER_RAW_KB} KB`,
      measured: `+${showSpread(extra)} KB (Lifeline ${showSpread(lifelineKb, 1)} KB; RSS: +${showSpread(rssExtra, 1)} KB)`,
      verdict: atMost(extra, MEMORY_OVER_RAW_KB),
    },
  ]
}

/** A contender that failed, lost or duplicated a delivery, or did not connect every client. */
function failures(profile: Profile, contests: Contest[]): string[] {
  const found: string[] = []
  for (const contest of contests) {
    const where = `fan-out, ${contest.label}, ${contest.clients} clients`
    if (contest.error) found.push(`${where}: ${contest.error}`)
    else if (!contest.scenario || contest.scenario.connected !== contest.clients) found.push(`${where}: ${contest.scenario?.connected ?? 0} connected`)
    for (const phase of PHASES) {
      const results = contest.rounds[phase]
      if (!contest.error && results.filter(Boolean).length < profile.repetitions) found.push(`${where}, ${PHASE_NAME[phase]}: ${results.filter(Boolean).length} of ${profile.repetitions} repetitions`)
      for (const [round, result] of results.entries()) {
        if (result && result.lost !== 0) found.push(`${where}, ${PHASE_NAME[phase]} round ${round + 1}: ${result.lost > 0 ? `${result.lost} deliveries lost` : `${-result.lost} deliveries too many`}`)
      }
    }
  }
  return found
}
