import type { BenchSection, GoalVerdict } from './benchSection'
import { measurePhase, medianPhase, setUpScenarios, type PhaseResult, type Scenario, type ScenarioPlan, type ScenarioResult } from './fanoutScenario'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'

const CONTENDERS: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: 'Lifeline mock server, WebSocket', server: 'lifeline', connection: 'lifeline' },
  { label: 'raw ws broadcast loop', server: 'ws', connection: 'ws' },
  { label: 'socket.io 4, WebSocket', server: 'socket.io', connection: 'socket.io' },
  { label: 'Lifeline mock server, SSE', server: 'lifeline', connection: 'lifeline-sse' },
]

const KB = 1024

/**
 * Server fan-out: at each size every contender is set up first (idle, in its own pair of pinned
 * processes), then the phases run interleaved (A B C D, A B C D, …), so a change in the load from
 * the rest of the machine hits every contender alike and the ratios stay fair.
 */
export async function runFanoutSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const results: ScenarioResult[] = []
  for (const clients of profile.fanoutSizes) results.push(...(await runSize(profile, clients, token, log)))
  if (results.every((result) => result.connected === 0)) throw new Error(`every fan-out scenario failed; first: ${results[0]?.firstError}`)
  return { title: 'Server fan-out', markdown: render(profile, results), goals: goals(results) }
}

interface Contest {
  label: string
  scenario?: Scenario
  error?: string
  fixedRate: PhaseResult[]
  burst: PhaseResult[]
}

async function runSize(profile: Profile, clients: number, token: string, log: (line: string) => void): Promise<ScenarioResult[]> {
  const contests: Contest[] = CONTENDERS.map((contender) => ({ label: contender.label, fixedRate: [], burst: [] }))
  const fail = (contest: Contest, error: unknown) => {
    contest.error = error instanceof Error ? error.message : String(error)
    log(`  ${contest.label} failed: ${contest.error}`)
  }
  try {
    log(`fan-out: ${clients} clients: setting up ${CONTENDERS.map((contender) => contender.label).join(', ')}`)
    const setUp = await setUpScenarios(
      CONTENDERS.map((contender) => ({ ...contender, clients, token })),
      profile.memoryIdleMs,
    )
    for (const [index, outcome] of setUp.entries()) {
      const contest = contests[index]!
      if (outcome instanceof Error) fail(contest, outcome)
      else {
        contest.scenario = outcome
        log(`  ${contest.label}: ${outcome.connected} connected in ${fixed(outcome.connectSeconds)} s, ${fixed(outcome.rssPerConnection / KB)} KiB RSS each`)
      }
    }
    const plans = phasePlans(profile, clients)
    for (let round = 0; round < profile.repetitions; round++) {
      for (const phase of ['fixedRate', 'burst'] as const) {
        for (const contest of contests) {
          if (!contest.scenario || contest.error) continue
          try {
            contest[phase].push(await measurePhase(contest.scenario, plans[phase]))
          } catch (error) {
            fail(contest, error)
          }
        }
      }
      const perDelivery = contests.map((contest) => `${fixed(contest.burst.at(-1)?.cpuMicrosPerDelivery ?? NaN, 2)}`).join(' / ')
      log(`  round ${round + 1}: burst CPU µs/delivery ${perDelivery} (${contests.map((contest) => contest.label.replace('Lifeline mock server, ', 'Lifeline ').split(',')[0]).join(' / ')})`)
    }
  } finally {
    await Promise.all(contests.map((contest) => contest.scenario?.stop()))
  }
  return contests.map((contest) => toResult(contest, clients))
}

function toResult(contest: Contest, clients: number): ScenarioResult {
  const { scenario } = contest
  if (!scenario || contest.error || !contest.fixedRate.length || !contest.burst.length) return failedScenario(contest.label, clients, contest.error ?? 'no phase completed')
  return {
    label: contest.label,
    clients,
    connected: scenario.connected,
    connectSeconds: scenario.connectSeconds,
    ...(scenario.firstError ? { firstError: scenario.firstError } : {}),
    rssPerConnection: scenario.rssPerConnection,
    committedPerConnection: scenario.committedPerConnection,
    heapPerConnection: scenario.heapPerConnection,
    fixedRate: medianPhase(contest.fixedRate),
    burst: medianPhase(contest.burst),
  }
}

const FAILED_PHASE: PhaseResult = { deliveredPerSecond: NaN, cpuMicrosPerDelivery: NaN, p50: NaN, p99: NaN, max: NaN, lost: NaN }

function failedScenario(label: string, clients: number, firstError: string): ScenarioResult {
  return { label, clients, connected: 0, connectSeconds: NaN, firstError, rssPerConnection: NaN, committedPerConnection: NaN, heapPerConnection: NaN, fixedRate: FAILED_PHASE, burst: FAILED_PHASE }
}

const find = (results: ScenarioResult[], clients: number, label: string) => results.find((result) => result.clients === clients && result.label.startsWith(label))

function render(profile: Profile, results: ScenarioResult[]): string {
  const phaseRows = (phase: 'fixedRate' | 'burst') =>
    results.map((result) => [
      result.label,
      whole(result.clients),
      whole(result[phase].deliveredPerSecond),
      fixed(result[phase].cpuMicrosPerDelivery, 2),
      fixed(result[phase].p50, 2),
      fixed(result[phase].p99, 2),
      fixed(result[phase].max, 2),
      whole(result[phase].lost),
    ])
  const header = ['Server', 'Clients', 'Delivered msg/s', 'Server CPU µs/delivery', 'p50 ms', 'p99 ms', 'max ms', 'Lost']
  const memoryRows = results.map((result) => [
    result.label,
    whole(result.clients),
    `${whole(result.connected)}${result.firstError ? ` (first error: ${result.firstError})` : ''}`,
    fixed(result.rssPerConnection / KB, 2),
    fixed(result.committedPerConnection / KB, 2),
    fixed(result.heapPerConnection / KB, 2),
  ])
  const ratioRows = profile.fanoutSizes.flatMap((clients) => {
    const lifeline = find(results, clients, 'Lifeline mock server, WebSocket')
    const sse = find(results, clients, 'Lifeline mock server, SSE')
    const raw = find(results, clients, 'raw ws')
    const socketIo = find(results, clients, 'socket.io')
    if (!lifeline || !raw || !socketIo || !sse) return []
    return (['fixedRate', 'burst'] as const).map((phase) => [
      `${whole(clients)} clients, ${phase === 'burst' ? 'burst' : 'fixed rate'}`,
      fixed(lifeline[phase].cpuMicrosPerDelivery / raw[phase].cpuMicrosPerDelivery, 2),
      fixed(lifeline[phase].cpuMicrosPerDelivery / socketIo[phase].cpuMicrosPerDelivery, 2),
      fixed(sse[phase].cpuMicrosPerDelivery / raw[phase].cpuMicrosPerDelivery, 2),
    ])
  })
  const plans = profile.fanoutSizes.map((clients) => {
    const { fixedRate, burst } = phasePlans(profile, clients)
    return `${whole(clients)} clients: ${fixedRate.publishes} publishes every ${fixed(fixedRate.intervalMs, 0)} ms, then a burst of ${burst.publishes}`
  })
  return [
    `Fixed rate: ${whole(profile.rateDeliveriesPerSecond)} deliveries/s offered for about ${profile.rateSeconds} s. Burst: publishes back to back. (${plans.join('; ')}.) All contenders of a size stay connected while their phases run interleaved (A B C D, repeated). Medians of ${profile.repetitions} repetitions each (lost: the worst repetition).`,
    '',
    '### Fixed rate',
    '',
    markdownTable(header, phaseRows('fixedRate')),
    '',
    '### Burst',
    '',
    markdownTable(header, phaseRows('burst')),
    '',
    '### CPU per delivery, ratios (same run)',
    '',
    markdownTable(['Case', 'Lifeline WS ÷ raw ws (goal ≤ 1.15)', 'Lifeline WS ÷ socket.io (goal ≤ 0.70)', 'Lifeline SSE ÷ raw ws'], ratioRows),
    '',
    '### Memory per idle connection (marginal: growth over the second half of the clients, after GC)',
    '',
    markdownTable(['Server', 'Clients', 'Connected', 'RSS KiB/conn', 'V8 heap committed KiB/conn', 'Heap used + external KiB/conn'], memoryRows),
  ].join('\n')
}

function goals(results: ScenarioResult[]): GoalVerdict[] {
  const verdicts: GoalVerdict[] = []
  for (const clients of [...new Set(results.map((result) => result.clients))]) {
    const lifeline = find(results, clients, 'Lifeline mock server, WebSocket')
    const raw = find(results, clients, 'raw ws')
    const socketIo = find(results, clients, 'socket.io')
    if (!lifeline || !raw || !socketIo) continue
    for (const phase of ['fixedRate', 'burst'] as const) {
      const name = phase === 'burst' ? 'burst' : 'fixed rate'
      const overRaw = lifeline[phase].cpuMicrosPerDelivery / raw[phase].cpuMicrosPerDelivery
      const overSocketIo = lifeline[phase].cpuMicrosPerDelivery / socketIo[phase].cpuMicrosPerDelivery
      verdicts.push({ goal: `CPU/delivery ≤ 1.15× raw ws (${whole(clients)} clients, ${name})`, measured: `${fixed(overRaw, 2)}×`, met: overRaw <= 1.15 })
      verdicts.push({ goal: `CPU/delivery ≤ 0.7× socket.io (${whole(clients)} clients, ${name})`, measured: `${fixed(overSocketIo, 2)}×`, met: overSocketIo <= 0.7 })
    }
    const perConnection = lifeline.rssPerConnection / 1000
    const heap = lifeline.heapPerConnection / 1000
    verdicts.push({
      goal: `Memory per WebSocket connection ≤ 12 KB (${whole(clients)} clients, judged on RSS)`,
      measured: `${fixed(perConnection, 1)} KB RSS (heap + external ${fixed(heap, 1)} KB; raw ws ${fixed(raw.rssPerConnection / 1000, 1)} KB RSS)`,
      met: perConnection <= 12,
    })
  }
  return verdicts
}
