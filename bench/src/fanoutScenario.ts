import { fileURLToPath } from 'node:url'
import type { ConnectionKind } from './benchConnection'
import type { ServerKind } from './benchServer'
import { startPinnedChild, type PinnedChild } from './childProcess'
import type { LatencySummary } from './latencyRecorder'
import type { PhasePlan } from './profile'
import { sleep } from './stats'

/** Cores: the server(s) on one, the client processes on the other (2-core machine). */
export const SERVER_CORE = 0
export const CLIENT_CORE = 1

/** `--cpu-prof` on the command line: server processes write V8 CPU profiles to bench/.out/profiles. */
const SERVER_PROFILING = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('./profiles', import.meta.url))}`] : []

/** One measured phase of one contender. */
export interface PhaseResult {
  /**
   * Deliveries per second over the phase: deliveries received ÷ the time from the first publish to
   * the end of the phase. A fixed-rate phase ends one interval after its last publish (its last
   * slot), or at the last receipt if that came later; a burst ends at the last receipt.
   */
  deliveredPerSecond: number
  /** Server CPU (user + system) per delivery, microseconds: everything the process did in the phase. */
  cpuMicrosPerDelivery: number
  /** Server CPU time over the phase (µs), the phase's duration (s) and the deliveries received. */
  cpuMicros: number
  seconds: number
  received: number
  p50: number
  p99: number
  max: number
  /** Median over publishes of each publish's fastest delivery (ms). */
  headP50: number
  /** Deliveries that did not arrive within the phase's bound. */
  lost: number
  /** Each client group's own figures (the cross-replica run has one group per replica). */
  groups: Record<string, LatencySummary>
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

/** Who publishes a phase: a server in its own process (`server.publish`), or the HTTP publisher. */
export type Publish = (plan: PhasePlan) => Promise<{ first: number; last: number }>

export const publishInProcess =
  (server: PinnedChild): Publish =>
  (plan) =>
    server.call('publish', { count: plan.publishes, intervalMs: plan.intervalMs }, 120_000)

/**
 * One measured phase: publish, wait (bounded) for every delivery, and read the CPU time of the
 * server processes in `cpuOf` over the whole phase (summed). `expected` counts deliveries across
 * all client groups.
 */
export async function runPhase(publish: Publish, cpuOf: PinnedChild[], clients: PinnedChild, plan: PhasePlan, expected: number): Promise<PhaseResult> {
  await clients.call('expect', { count: expected })
  await Promise.all(cpuOf.map((server) => server.call('cpuStart')))
  const startedAt = performance.now()
  const published = await publish(plan)
  const groups = await clients.call<Record<string, LatencySummary>>('settle', { timeoutMs: 10_000 + expected / 5 }, 180_000)
  const used = await Promise.all(cpuOf.map((server) => server.call<{ micros: number }>('cpuStop')))
  const seconds = (performance.now() - startedAt) / 1000
  const micros = used.reduce((sum, { micros }) => sum + micros, 0)
  const all = Object.values(groups)
  const received = all.reduce((sum, group) => sum + group.received, 0)
  const lastAt = Math.max(...all.map((group) => group.lastAt))
  const end = Math.max(lastAt, published.first + plan.publishes * plan.intervalMs * 1000)
  return {
    deliveredPerSecond: received / Math.max(1e-6, (end - published.first) / 1e6),
    cpuMicrosPerDelivery: micros / Math.max(1, received),
    cpuMicros: micros,
    seconds,
    received,
    ...mergedLatencies(all),
    lost: expected - received,
    groups,
  }
}

/**
 * Percentiles over every delivery of every group: each group reports its own latency histogram
 * (0.01 ms buckets), which add up exactly.
 */
function mergedLatencies(groups: LatencySummary[]): Pick<PhaseResult, 'p50' | 'p99' | 'max' | 'headP50'> {
  const histogram = new Map<number, number>()
  let total = 0
  for (const group of groups) {
    for (const [bucket, count] of group.histogram) {
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + count)
      total += count
    }
  }
  const buckets = [...histogram.keys()].sort((a, b) => a - b)
  const at = (fraction: number) => {
    const rank = Math.max(1, Math.ceil(fraction * total))
    let seen = 0
    for (const bucket of buckets) {
      seen += histogram.get(bucket)!
      if (seen >= rank) return bucket / 100
    }
    return Number.NaN
  }
  const heads = groups.flatMap((group) => group.fastest)
  const fastestPerPublish = new Map<number, number>()
  for (const [seq, latency] of heads) fastestPerPublish.set(seq, Math.min(latency, fastestPerPublish.get(seq) ?? Infinity))
  const sortedHeads = [...fastestPerPublish.values()].sort((a, b) => a - b)
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: total ? buckets[buckets.length - 1]! / 100 : Number.NaN,
    headP50: sortedHeads.length ? sortedHeads[Math.ceil(sortedHeads.length / 2) - 1]! : Number.NaN,
  }
}

export interface ScenarioPlan {
  label: string
  server: ServerKind
  connection: ConnectionKind
  clients: number
  token: string
}

/** Server memory after GC (bytes). */
export interface Memory {
  rss: number
  committed: number
  heap: number
}

/** A contender with its clients connected and idle, ready to run measured phases. */
export interface Scenario {
  readonly plan: ScenarioPlan
  readonly server: PinnedChild
  readonly clients: PinnedChild
  readonly connected: number
  readonly connectSeconds: number
  readonly firstError?: string
  /**
   * Memory readings after each step of connections (empty when memory was not measured) and how
   * many clients each step added.
   */
  readonly memory: { readings: Memory[]; steps: number[] }
  stop(): Promise<void>
}

interface Joined {
  connected: number
  failed: number
  firstError?: string
}

/** A contender being set up (see `setUpScenarios`). */
interface Setup {
  plan: ScenarioPlan
  processes?: Awaited<ReturnType<typeof startProcesses>>
  url?: string
  connected: number
  steps: number[]
  connectMs: number
  firstError?: string
  readings: Memory[]
  error?: Error
}

/**
 * How many clients each connection step adds: half at once, then `memorySteps` equal steps.
 * Memory is read after every step once every contender has idled `idleMs`; each later step's
 * growth per connection is one reading of the marginal cost of an idle connection (the first half
 * absorbs one-off growth: V8 enlarging its heap, code compiled on first use), and the idle time
 * lets V8's memory reducer hand back what the handshake storm used only briefly.
 */
export function connectionSteps(clients: number, memorySteps: number): number[] {
  if (memorySteps <= 0) return [clients]
  const half = Math.floor(clients / 2)
  const steps = [half]
  for (let step = 0; step < memorySteps; step++) steps.push(Math.floor(((clients - half) * (step + 1)) / memorySteps) - Math.floor(((clients - half) * step) / memorySteps))
  return steps
}

/**
 * Starts each contender's server and client processes and connects its clients in steps
 * (`connectionSteps`), reading server memory between steps when `memorySteps` > 0. Contenders are
 * set up one after the other but idle together, so each wait is paid once. A contender that fails
 * comes back as its `Error`, the others carry on.
 */
export async function setUpScenarios(plans: ScenarioPlan[], { memorySteps, idleMs }: { memorySteps: number; idleMs: number }): Promise<(Scenario | Error)[]> {
  const setups: Setup[] = plans.map((plan) => ({ plan, connected: 0, steps: [], connectMs: 0, readings: [] }))
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
    setup.firstError ??= joined.firstError
    if (joined.failed) throw new Error(`${joined.failed} of ${count} clients did not connect: ${joined.firstError}`)
    setup.connected += joined.connected
    setup.steps.push(joined.connected)
  }
  const readMemory = async () => {
    await sleep(idleMs)
    await eachLive(async (setup) => void setup.readings.push(await server(setup).call<Memory>('memory')))
  }
  const steps = connectionSteps(plans[0]?.clients ?? 0, memorySteps)
  await eachLive(async (setup) => {
    setup.processes = await startProcesses(1)
    setup.url = (await server(setup).call<{ url: string }>('start', { kind: setup.plan.server })).url
  })
  for (const count of steps) {
    await eachLive((setup) => join(setup, count))
    if (memorySteps > 0) await readMemory()
  }
  // Warm up the JIT and the sockets before anything is measured.
  await eachLive(async (setup) => {
    const warmUp = { publishes: 5, intervalMs: 0 }
    const result = await runPhase(publishInProcess(server(setup)), [server(setup)], setup.processes!.clients, warmUp, 5 * setup.connected)
    if (result.lost) throw new Error(`${result.lost} of ${5 * setup.connected} warm-up deliveries did not arrive`)
  })
  return Promise.all(setups.map(async (setup) => (setup.error ? (await setup.processes?.stop(), setup.error) : toScenario(setup))))
}

function toScenario({ plan, processes, connected, steps, connectMs, firstError, readings }: Setup): Scenario {
  return {
    plan,
    server: processes!.servers[0]!,
    clients: processes!.clients,
    connected,
    connectSeconds: connectMs / 1000,
    ...(firstError ? { firstError } : {}),
    memory: { readings, steps },
    stop: () => processes!.stop(),
  }
}

/** Growth per connection of `key` over each connection step after the first. */
export function perConnection(memory: Scenario['memory'], key: keyof Memory): number[] {
  return memory.readings.slice(1).map((reading, index) => (reading[key] - memory.readings[index]![key]) / memory.steps[index + 1]!)
}

/** One measured phase on a set-up contender, published in its server process. */
export function measurePhase(scenario: Scenario, plan: PhasePlan): Promise<PhaseResult> {
  return runPhase(publishInProcess(scenario.server), [scenario.server], scenario.clients, plan, plan.publishes * scenario.connected)
}

/**
 * The server's CPU time per second while its clients are connected and nothing is published:
 * heartbeats, their answers, timers. What every phase pays besides the fan-out.
 */
export async function measureIdle(scenario: Scenario, ms: number): Promise<number> {
  await scenario.server.call('cpuStart')
  const startedAt = performance.now()
  await sleep(ms)
  const { micros } = await scenario.server.call<{ micros: number }>('cpuStop')
  return micros / ((performance.now() - startedAt) / 1000)
}
