import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'
import { showSpread, spreadOf } from './spread'
import { findContest, LIFELINE, LIFELINE_SSE, lostOf, memoryOf, PHASE_NAME, PHASES, RAW, RAW_BATCHED, ratio, series, SOCKET_IO, type Contest, type Phase } from './fanoutContest'

/** KiB for the tables. */
const KIB = 1024

/** The section's markdown: both phases' tables, the paired CPU ratios, idle CPU and memory per idle connection. */
export function renderFanout(profile: Profile, contests: Contest[]): string {
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
    const raw = findContest(contests, clients, RAW)
    const batched = findContest(contests, clients, RAW_BATCHED)
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
