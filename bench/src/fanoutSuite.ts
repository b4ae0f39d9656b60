import type { BenchSection, GoalVerdict } from './benchSection'
import { runScenario, type ScenarioPlan, type ScenarioResult } from './fanoutScenario'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'

const CONTENDERS: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: 'Lifeline mock server, WebSocket', server: 'lifeline', connection: 'lifeline' },
  { label: 'raw ws broadcast loop', server: 'ws', connection: 'ws' },
  { label: 'socket.io 4, WebSocket', server: 'socket.io', connection: 'socket.io' },
  { label: 'Lifeline mock server, SSE', server: 'lifeline', connection: 'lifeline-sse' },
]

const KB = 1024

/** Server fan-out: every contender at every size, in one run, so ratios compare like with like. */
export async function runFanoutSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const results: ScenarioResult[] = []
  const failures: string[] = []
  for (const clients of profile.fanoutSizes) {
    for (const contender of CONTENDERS) {
      log(`fan-out: ${contender.label}, ${clients} clients`)
      let result: ScenarioResult
      try {
        result = await runScenario({ ...contender, clients, token, repetitions: profile.repetitions, ...phasePlans(profile, clients) })
      } catch (error) {
        // Keep the other contenders' figures; this row says what went wrong.
        result = failedScenario(contender.label, clients, error)
        failures.push(`${contender.label}, ${clients} clients: ${result.firstError}`)
      }
      log(`  connected ${result.connected} in ${fixed(result.connectSeconds)} s; cpu/delivery ${fixed(result.fixedRate.cpuMicrosPerDelivery, 2)} µs (rate), ${fixed(result.burst.cpuMicrosPerDelivery, 2)} µs (burst), rss/conn ${fixed(result.rssPerConnection / KB)} KiB`)
      results.push(result)
    }
  }
  if (failures.length === results.length) throw new Error(`every fan-out scenario failed; first: ${failures[0]}`)
  return { title: 'Server fan-out', markdown: render(profile, results), goals: goals(results) }
}

const FAILED_PHASE = { deliveredPerSecond: NaN, cpuMicrosPerDelivery: NaN, p50: NaN, p99: NaN, max: NaN, lost: NaN }

function failedScenario(label: string, clients: number, error: unknown): ScenarioResult {
  const firstError = error instanceof Error ? error.message : String(error)
  return { label, clients, connected: 0, connectSeconds: NaN, firstError, rssPerConnection: NaN, heapPerConnection: NaN, fixedRate: FAILED_PHASE, burst: FAILED_PHASE }
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
    `Fixed rate: ${whole(profile.rateDeliveriesPerSecond)} deliveries/s offered for about ${profile.rateSeconds} s. Burst: publishes back to back. (${plans.join('; ')}.) Medians of ${profile.repetitions} repetitions each (lost: the worst repetition).`,
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
    '### Memory per idle connection (connected and subscribed, after GC)',
    '',
    markdownTable(['Server', 'Clients', 'Connected', 'RSS KiB/conn', 'Heap + external KiB/conn'], memoryRows),
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
    verdicts.push({ goal: `Memory per WebSocket connection ≤ 12 KB (${whole(clients)} clients, RSS)`, measured: `${fixed(perConnection, 1)} KB`, met: perConnection <= 12 })
  }
  return verdicts
}
