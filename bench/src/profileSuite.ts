import type { BenchSection } from './benchSection'
import type { ProfileSummary } from './cpuProfileSummary'
import { measurePhase, setUpScenarios, type ScenarioPlan } from './fanoutScenario'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'

const PROFILED: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: 'Lifeline mock server, WebSocket', server: 'lifeline', connection: 'lifeline' },
  { label: 'raw ws broadcast loop', server: 'ws', connection: 'ws' },
  { label: 'socket.io 4, WebSocket', server: 'socket.io', connection: 'socket.io' },
]

const TOP = 15

/**
 * Where the server's CPU goes during bursts: V8's sampling profiler in the server process, started
 * after the clients connected and stopped after the bursts, so handshakes and startup are left out.
 */
export async function runProfileSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const clients = profile.fanoutSizes[0]!
  const burst = phasePlans(profile, clients).burst
  const tables: string[] = []
  for (const contender of PROFILED) {
    log(`profile: ${contender.label}, ${clients} clients`)
    const [scenario] = await setUpScenarios([{ ...contender, clients, token }], 0)
    if (!scenario || scenario instanceof Error) throw scenario ?? new Error('no scenario')
    let summary: ProfileSummary
    let deliveries = 0
    try {
      await scenario.server.call('profileStart')
      for (let round = 0; round < profile.repetitions; round++) {
        const phase = await measurePhase(scenario, burst)
        deliveries += burst.publishes * scenario.connected - phase.lost
      }
      summary = await scenario.server.call<ProfileSummary>('profileStop', { top: TOP })
    } finally {
      await scenario.stop()
    }
    const perDelivery = (micros: number) => fixed(micros / Math.max(1, deliveries), 2)
    tables.push(
      `### ${contender.label}: ${perDelivery(summary.busyMicros)} µs busy per delivery`,
      '',
      markdownTable(['Function — where', 'Self time, % of busy', 'Self µs per delivery'], summary.top.map((spot) => [spot.name, fixed(spot.share * 100, 1), perDelivery(spot.micros)])),
      '',
    )
  }
  return {
    title: 'Server CPU profile (bursts)',
    markdown: [
      `V8's sampling profiler inside the server process, for ${profile.repetitions} bursts of ${burst.publishes} publishes to ${whole(clients)} clients (a separate setup from the fan-out runs above; profiling slows everything a little). Self time only (callees excluded), as a share of the samples in which the process was busy and in microseconds per delivery (busy sample time ÷ deliveries received), so rows compare across contenders; \`writev\` and friends are the socket writes every contender pays for.`,
      '',
      ...tables,
    ].join('\n'),
    goals: [],
  }
}
