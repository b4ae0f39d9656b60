import type { BenchSection } from './benchSection'
import type { ProfileSummary } from './cpuProfileSummary'
import { measurePhase, setUpScenarios, type ScenarioPlan } from './fanoutScenario'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'

const PROFILED: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: 'Lifeline mock server, WebSocket', server: 'lifeline', connection: 'lifeline' },
  { label: 'raw ws loop, per-turn batching', server: 'ws-batched', connection: 'ws' },
  { label: 'socket.io 4, WebSocket', server: 'socket.io', connection: 'socket.io' },
]

const TOP = 15
/** Fixed-rate phases profiled per contender. */
const PHASES = 1

/**
 * Where the server's CPU goes in the fixed-rate phase (the one the CPU goal is judged on): V8's
 * sampling profiler in the server process, started after the clients connected and stopped after
 * the phases, so handshakes and startup are left out.
 */
export async function runProfileSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  // The size the CPU goals are judged at.
  const clients = Math.max(...profile.fanoutSizes)
  const plan = phasePlans(profile, clients).fixedRate
  const tables: string[] = []
  const failures: string[] = []
  const rows: { label: string; busy: number; writes: number }[] = []
  for (const contender of PROFILED) {
    log(`profile: ${contender.label}, ${clients} clients`)
    const [scenario] = await setUpScenarios([{ ...contender, clients, token }], { memorySteps: 0, idleMs: 0 })
    if (!scenario || scenario instanceof Error) {
      failures.push(`profile, ${contender.label}: ${scenario?.message ?? 'no scenario'}`)
      continue
    }
    let summary: ProfileSummary
    let deliveries = 0
    try {
      await scenario.server.call('profileStart')
      for (let round = 0; round < PHASES; round++) {
        const phase = await measurePhase(scenario, plan)
        if (phase.lost) failures.push(`profile, ${contender.label}: ${phase.lost} deliveries lost`)
        deliveries += plan.publishes * scenario.connected - phase.lost
      }
      summary = await scenario.server.call<ProfileSummary>('profileStop', { top: TOP })
    } finally {
      await scenario.stop()
    }
    const perDelivery = (micros: number) => fixed(micros / Math.max(1, deliveries), 2)
    rows.push({ label: contender.label, busy: summary.busyMicros / Math.max(1, deliveries), writes: summary.socketWriteMicros / Math.max(1, deliveries) })
    tables.push(
      `### ${contender.label}: ${perDelivery(summary.busyMicros)} µs busy per delivery`,
      '',
      markdownTable(['Function — where', 'Self time, % of busy', 'Self µs per delivery'], summary.top.map((spot) => [spot.name, fixed(spot.share * 100, 1), perDelivery(spot.micros)])),
      '',
    )
  }
  return {
    title: 'Server CPU profile (fixed rate)',
    markdown: [
      `V8's sampling profiler inside the server process, for ${PHASES} fixed-rate phases of ${plan.publishes} publishes every ${fixed(plan.intervalMs, 0)} ms to ${whole(clients)} clients (a separate setup from the fan-out runs above; profiling slows everything a little). Self time only (callees excluded), as a share of the samples in which the process was busy and in microseconds per delivery (busy sample time ÷ deliveries received), so rows compare across contenders; \`writev\`, \`writeBuffer\` and friends are the socket writes every contender pays for.`,
      '',
      markdownTable(
        ['Server', 'Busy µs/delivery', 'Socket writes µs/delivery', 'Everything else µs/delivery'],
        rows.map((row) => [row.label, fixed(row.busy, 2), `${fixed(row.writes, 2)} (${fixed((100 * row.writes) / row.busy, 0)} %)`, fixed(row.busy - row.writes, 2)]),
      ),
      '',
      floorNote(rows),
      '',
      ...tables,
    ].join('\n'),
    goals: [],
    failures,
  }
}

/**
 * Whether "0.7× socket.io" is reachable at all here: the native socket writes are a floor every
 * server pays per delivery, whatever its own code does.
 */
function floorNote(rows: { label: string; busy: number; writes: number }[]): string {
  const lifeline = rows.find((row) => row.label.startsWith('Lifeline'))
  const socketIo = rows.find((row) => row.label.startsWith('socket.io'))
  if (!lifeline || !socketIo) return ''
  const budget = 0.7 * socketIo.busy
  return `The native socket writes (one system call per socket per message at a fixed rate; on loopback the kernel's send path also runs the receiving side's TCP work) are a floor no server's own code can go below. 0.7 × socket.io's busy time is ${fixed(budget, 2)} µs per delivery here; Lifeline's socket writes alone take ${fixed(lifeline.writes, 2)} µs${lifeline.writes >= budget ? ', so the goal against socket.io is out of reach on this machine however little the rest costs' : ` and everything else ${fixed(lifeline.busy - lifeline.writes, 2)} µs`}.`
}
