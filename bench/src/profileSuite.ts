import type { BenchSection } from './benchSection'
import type { HotSpot } from './cpuProfileSummary'
import { setUpScenario, measurePhase, type ScenarioPlan } from './fanoutScenario'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'

const PROFILED: Pick<ScenarioPlan, 'label' | 'server' | 'connection'>[] = [
  { label: 'Lifeline mock server, WebSocket', server: 'lifeline', connection: 'lifeline' },
  { label: 'raw ws broadcast loop', server: 'ws', connection: 'ws' },
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
    const scenario = await setUpScenario({ ...contender, clients, token })
    let spots: HotSpot[]
    try {
      await scenario.server.call('profileStart')
      for (let round = 0; round < profile.repetitions; round++) await measurePhase(scenario, burst)
      spots = await scenario.server.call<HotSpot[]>('profileStop', { top: TOP })
    } finally {
      await scenario.stop()
    }
    tables.push(`### ${contender.label}`, '', markdownTable(['Function — where', 'Self time, % of busy samples'], spots.map((spot) => [spot.name, fixed(spot.share * 100, 1)])), '')
  }
  return {
    title: 'Server CPU profile (bursts)',
    markdown: [
      `V8's sampling profiler inside the server process, for ${profile.repetitions} bursts of ${burst.publishes} publishes to ${whole(clients)} clients (a separate setup from the fan-out runs above; profiling slows everything a little). Self time only (callees excluded), as a share of the samples in which the process was busy; \`writev\` and friends are the socket writes every contender pays for.`,
      '',
      ...tables,
    ].join('\n'),
    goals: [],
  }
}
