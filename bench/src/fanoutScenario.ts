import { fileURLToPath } from 'node:url'
import type { ConnectionKind } from './benchConnection'
import type { ServerKind } from './benchServer'
import { startPinnedChild, type PinnedChild } from './childProcess'
import type { LatencySummary } from './latencyRecorder'
import { median, sleep } from './stats'

/** Cores: the server(s) on one, the client processes on the other (2-core machine). */
export const SERVER_CORE = 0
export const CLIENT_CORE = 1

/** `--cpu-prof` on the command line: server processes write V8 CPU profiles to bench/.out/profiles. */
const SERVER_PROFILING = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('./profiles', import.meta.url))}`] : []

export interface PhaseResult {
  /** Deliveries per second from the first publish to the last receipt. */
  deliveredPerSecond: number
  /** Server CPU (user + system) per delivery, microseconds. */
  cpuMicrosPerDelivery: number
  p50: number
  p99: number
  max: number
  /** Deliveries that did not arrive within the phase's bound. */
  lost: number
}

/** A contender's figures: medians of its repeated phases. */
export interface ScenarioResult {
  label: string
  clients: number
  connected: number
  /** How long connecting and subscribing every client took. */
  connectSeconds: number
  firstError?: string
  /** Server memory growth per connected, idle, subscribed client (bytes). */
  rssPerConnection: number
  heapPerConnection: number
  fixedRate: PhaseResult
  burst: PhaseResult
}

export interface PhasePlan {
  publishes: number
  intervalMs: number
}

/** Starts server processes (pinned to the server core) and a client process (client core). */
export async function startProcesses(serverCount: number): Promise<{ servers: PinnedChild[]; clients: PinnedChild; stop(): Promise<void> }> {
  const servers = Array.from({ length: serverCount }, () => startPinnedChild('fanoutServer', SERVER_CORE, ['--expose-gc', '--enable-source-maps', ...SERVER_PROFILING]))
  const clients = startPinnedChild('fanoutClients', CLIENT_CORE, ['--max-old-space-size=2048'])
  return {
    servers,
    clients,
    async stop() {
      await Promise.allSettled([clients.call('close', {}, 10_000), ...servers.map((server) => server.call('close', {}, 10_000))])
      await Promise.all([clients.stop(), ...servers.map((server) => server.stop())])
    },
  }
}

/**
 * One measured phase: publish from `publisher`, wait (bounded) for every delivery, and read the
 * publisher's CPU time over the whole phase. `expected` counts deliveries across all clients.
 */
export async function runPhase(publisher: PinnedChild, clients: PinnedChild, plan: PhasePlan, expected: number): Promise<{ result: PhaseResult; groups: Record<string, LatencySummary> }> {
  await clients.call('expect', { count: expected })
  await publisher.call('cpuStart')
  const published = await publisher.call<{ first: number; last: number }>('publish', { count: plan.publishes, intervalMs: plan.intervalMs }, 120_000)
  const groups = await clients.call<Record<string, LatencySummary>>('settle', { timeoutMs: 10_000 + expected / 5 }, 180_000)
  const { micros } = await publisher.call<{ micros: number }>('cpuStop')
  const all = Object.values(groups)
  const received = all.reduce((sum, group) => sum + group.received, 0)
  const lastAt = Math.max(...all.map((group) => group.lastAt))
  const pick = (key: 'p50' | 'p99' | 'max') => Math.max(...all.map((group) => group[key]))
  return {
    result: {
      deliveredPerSecond: received / Math.max(1e-6, (lastAt - published.first) / 1e6),
      cpuMicrosPerDelivery: micros / Math.max(1, received),
      p50: pick('p50'),
      p99: pick('p99'),
      max: pick('max'),
      lost: expected - received,
    },
    groups,
  }
}

/** The median of each field over repeated phases. */
export function medianPhase(phases: PhaseResult[]): PhaseResult {
  const of = (key: keyof PhaseResult) => median(phases.map((phase) => phase[key]))
  return {
    deliveredPerSecond: of('deliveredPerSecond'),
    cpuMicrosPerDelivery: of('cpuMicrosPerDelivery'),
    p50: of('p50'),
    p99: of('p99'),
    max: of('max'),
    lost: Math.max(...phases.map((phase) => phase.lost)),
  }
}

export interface ScenarioPlan {
  label: string
  server: ServerKind
  connection: ConnectionKind
  clients: number
  token: string
}

/** A contender with its clients connected and idle, ready to run measured phases. */
export interface Scenario {
  readonly plan: ScenarioPlan
  readonly server: PinnedChild
  readonly clients: PinnedChild
  readonly connected: number
  readonly connectSeconds: number
  readonly firstError?: string
  readonly rssPerConnection: number
  readonly heapPerConnection: number
  stop(): Promise<void>
}

/** Starts a contender's server and client processes, connects every client and measures idle memory. */
export async function setUpScenario(plan: ScenarioPlan): Promise<Scenario> {
  const processes = await startProcesses(1)
  const server = processes.servers[0]!
  const { clients } = processes
  try {
    const { url } = await server.call<{ url: string }>('start', { kind: plan.server })
    const before = await server.call<{ rss: number; heap: number }>('memory')
    const connectStarted = performance.now()
    const joined = await clients.call<{ connected: number; failed: number; firstError?: string }>(
      'connect',
      { kind: plan.connection, url, token: plan.token, count: plan.clients, group: 'all', concurrency: 100 },
      240_000,
    )
    const connectSeconds = (performance.now() - connectStarted) / 1000
    if (!joined.connected) throw new Error(`no client connected: ${joined.firstError}`)
    await sleep(500)
    const after = await server.call<{ rss: number; heap: number }>('memory')
    // Warm up the JIT and the sockets before measuring.
    await runPhase(server, clients, { publishes: 5, intervalMs: 0 }, 5 * joined.connected)
    return {
      plan,
      server,
      clients,
      connected: joined.connected,
      connectSeconds,
      ...(joined.firstError ? { firstError: joined.firstError } : {}),
      rssPerConnection: (after.rss - before.rss) / joined.connected,
      heapPerConnection: (after.heap - before.heap) / joined.connected,
      stop: () => processes.stop(),
    }
  } catch (error) {
    await processes.stop()
    throw error
  }
}

/** One measured phase on a set-up contender. */
export async function measurePhase(scenario: Scenario, plan: PhasePlan): Promise<PhaseResult> {
  return (await runPhase(scenario.server, scenario.clients, plan, plan.publishes * scenario.connected)).result
}
