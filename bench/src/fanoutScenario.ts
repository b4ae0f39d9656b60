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
  /** Growth of the V8 heap's committed size (`heapTotal`) per connection. */
  committedPerConnection: number
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
  readonly committedPerConnection: number
  readonly heapPerConnection: number
  stop(): Promise<void>
}

interface Joined {
  connected: number
  failed: number
  firstError?: string
}

interface Memory {
  rss: number
  committed: number
  heap: number
}

/** A contender being set up (see `setUpScenarios`). */
interface Setup {
  plan: ScenarioPlan
  processes?: Awaited<ReturnType<typeof startProcesses>>
  url?: string
  halves: Joined[]
  connectMs: number
  readings: Memory[]
  error?: Error
}

/**
 * Starts each contender's server and client processes and connects its clients in two halves,
 * reading the server's memory after each half once every contender has been idle for `idleMs`.
 * The second half's growth per connection is the marginal cost of one more idle connection: the
 * first half absorbs one-off growth (V8 enlarging its heap, code compiled on first use), and the
 * idle time lets V8's memory reducer hand back what the handshake storm used only briefly.
 * Contenders are set up one after the other but idle together, so the wait is paid once.
 * A contender that fails comes back as its `Error`, the others carry on.
 */
export async function setUpScenarios(plans: ScenarioPlan[], idleMs: number): Promise<(Scenario | Error)[]> {
  const setups: Setup[] = plans.map((plan) => ({ plan, halves: [], connectMs: 0, readings: [] }))
  const eachLive = async (action: (setup: Setup) => Promise<void>) => {
    for (const setup of setups) {
      if (setup.error) continue
      try {
        await action(setup)
      } catch (error) {
        setup.error = error instanceof Error ? error : new Error(String(error))
      }
    }
  }
  const server = (setup: Setup) => setup.processes!.servers[0]!
  const join = async (setup: Setup, count: number) => {
    const started = performance.now()
    const joined = await setup.processes!.clients.call<Joined>('connect', { kind: setup.plan.connection, url: setup.url, token: setup.plan.token, count, group: 'all', concurrency: 100 }, 240_000)
    setup.connectMs += performance.now() - started
    if (!joined.connected) throw new Error(`no client connected: ${joined.firstError}`)
    setup.halves.push(joined)
  }
  const readMemory = async () => {
    await sleep(idleMs)
    await eachLive(async (setup) => void setup.readings.push(await server(setup).call<Memory>('memory')))
  }
  await eachLive(async (setup) => {
    setup.processes = await startProcesses(1)
    setup.url = (await server(setup).call<{ url: string }>('start', { kind: setup.plan.server })).url
    await join(setup, Math.floor(setup.plan.clients / 2))
  })
  await readMemory()
  await eachLive((setup) => join(setup, setup.plan.clients - Math.floor(setup.plan.clients / 2)))
  await readMemory()
  // Warm up the JIT and the sockets before anything is measured.
  await eachLive(async (setup) => {
    const connected = setup.halves.reduce((sum, half) => sum + half.connected, 0)
    await runPhase(server(setup), setup.processes!.clients, { publishes: 5, intervalMs: 0 }, 5 * connected)
  })
  return Promise.all(setups.map(async (setup) => (setup.error ? (await setup.processes?.stop(), setup.error) : toScenario(setup))))
}

function toScenario({ plan, processes, halves, connectMs, readings }: Setup): Scenario {
  const [mid, after] = readings as [Memory, Memory]
  const secondHalf = halves[1]!.connected
  const firstError = halves.find((half) => half.firstError)?.firstError
  return {
    plan,
    server: processes!.servers[0]!,
    clients: processes!.clients,
    connected: halves.reduce((sum, half) => sum + half.connected, 0),
    connectSeconds: connectMs / 1000,
    ...(firstError ? { firstError } : {}),
    rssPerConnection: (after.rss - mid.rss) / secondHalf,
    committedPerConnection: (after.committed - mid.committed) / secondHalf,
    heapPerConnection: (after.heap - mid.heap) / secondHalf,
    stop: () => processes!.stop(),
  }
}

/** One measured phase on a set-up contender. */
export async function measurePhase(scenario: Scenario, plan: PhasePlan): Promise<PhaseResult> {
  return (await runPhase(scenario.server, scenario.clients, plan, plan.publishes * scenario.connected)).result
}
