import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import type { ConnectionKind } from './benchConnection'
import type { ServerKind } from './benchServer'
import { atMost, type BenchSection, type GoalVerdict } from './benchSection'
import { startPinnedChild, type PinnedChild } from './childProcess'
import { fixed, markdownTable, whole } from './markdownTable'
import type { PhasePlan, Profile } from './profile'
import { runPhase, type PhaseResult, type Publish } from './runPhase'
import { pairedSpread, showSpread, spreadOf } from './spread'
import { CLIENT_CORE, startProcesses } from './startProcesses'

interface Setup {
  label: string
  server: ServerKind
  connection: ConnectionKind
  /** Replicas that serve clients; 1 means a single server without Redis (the baseline). */
  replicas: number
}

const SINGLE = 'Lifeline mock server × 1, in-memory broker (no Redis)'
const LIFELINE_REPLICAS = 'Lifeline mock server × 3, RedisBroker'
const SETUPS: Setup[] = [
  { label: SINGLE, server: 'lifeline', connection: 'lifeline', replicas: 1 },
  { label: LIFELINE_REPLICAS, server: 'lifeline', connection: 'lifeline', replicas: 3 },
  { label: 'socket.io × 3, @socket.io/redis-adapter', server: 'socket.io', connection: 'socket.io', replicas: 3 },
]

/** Client groups: equal, one per replica (all on the one server in the baseline). */
const GROUPS = 3
/** The added latency across replicas that Lifeline allows itself, at p50. */
const ADDED_P50_MS = 2

interface Running {
  setup: Setup
  processes?: Awaited<ReturnType<typeof startProcesses>>
  redis?: RedisServer
  /** Where the publisher sends its HTTP publishes. */
  publishUrl?: string
  connected: number
  rounds: (PhaseResult | undefined)[]
  error?: string
}

/**
 * Starts a setup: its servers (pinned to the server core; with replicas, one more that serves no
 * clients and takes the publishes, on a fresh Redis) and its clients in equal groups.
 */
async function start(running: Running, profile: Profile, token: string, publisher: PinnedChild): Promise<void> {
  const { setup } = running
  const withRedis = setup.replicas > 1
  running.redis = withRedis ? await startRedis() : undefined
  const redisUrl = running.redis?.url
  // With replicas, the last server is the publishing replica: it serves no clients.
  running.processes = await startProcesses(setup.replicas + (withRedis ? 1 : 0))
  const { servers, clients } = running.processes
  const urls = await Promise.all(servers.map(async (server) => (await server.call<{ url: string }>('start', { kind: setup.server, ...(redisUrl ? { redisUrl } : {}) })).url))
  running.publishUrl = urls[urls.length - 1]
  const perGroup = Math.floor(profile.replicaClients / GROUPS)
  for (let group = 0; group < GROUPS; group++) {
    const url = urls[group % setup.replicas]!
    const joined = await clients.call<{ connected: number; failed: number; firstError?: string }>('connect', { kind: setup.connection, url, token, count: perGroup, group: `group ${group + 1}`, concurrency: 100 }, 240_000)
    if (joined.failed) throw new Error(`${joined.failed} of ${perGroup} clients did not connect: ${joined.firstError}`)
    running.connected += joined.connected
  }
  // Warm up JIT, sockets and Redis connections; every delivery must arrive before anything is measured.
  const warmUp = await runPhase(publishOver(publisher, running.publishUrl!), servers, clients, { publishes: 10, intervalMs: 20 }, 10 * running.connected)
  if (warmUp.lost) throw new Error(`${warmUp.lost} of ${10 * running.connected} warm-up deliveries did not arrive`)
}

const publishOver =
  (publisher: PinnedChild, url: string): Publish =>
  (plan) =>
    publisher.call('publish', { url, count: plan.publishes, intervalMs: plan.intervalMs }, 120_000)

/**
 * Cross-replica latency: one Lifeline server without Redis against three replicas on Redis (and
 * socket.io's Redis adapter for comparison), the same clients in equal groups, published over the
 * HTTP publish API by a process that serves no clients. All setups stay connected while their
 * phases run interleaved, so each round compares them under the same machine load.
 */
export async function runReplicasSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const publisher = startPinnedChild('publisher', CLIENT_CORE)
  const runs: Running[] = SETUPS.map((setup) => ({ setup, connected: 0, rounds: [] }))
  const plan: PhasePlan = { publishes: profile.replicaPublishes, intervalMs: 1000 / profile.replicaPublishesPerSecond }
  try {
    for (const running of runs) {
      log(`replicas: setting up ${running.setup.label}, ${profile.replicaClients} clients`)
      await start(running, profile, token, publisher).catch((error: unknown) => (running.error = error instanceof Error ? error.message : String(error)))
    }
    for (let round = 0; round < profile.repetitions; round++) {
      const order = runs.map((_, index) => runs[(index + round) % runs.length]!)
      for (const running of order) {
        if (running.error || !running.processes) continue
        try {
          running.rounds[round] = await runPhase(publishOver(publisher, running.publishUrl!), running.processes.servers, running.processes.clients, plan, plan.publishes * running.connected)
        } catch (error) {
          running.error = error instanceof Error ? error.message : String(error)
        }
      }
      log(`  round ${round + 1}: p50 ${runs.map((running) => fixed(running.rounds[round]?.p50 ?? Number.NaN, 2)).join(' / ')} ms`)
    }
  } finally {
    await Promise.allSettled(runs.map(async (running) => {
      await running.processes?.stop()
      await running.redis?.kill()
    }))
    await publisher.stop()
  }
  return { title: 'Across replicas (Redis)', markdown: render(profile, plan, runs), goals: goals(runs), failures: failures(profile, runs) }
}

const seriesOf = (running: Running | undefined, key: 'p50' | 'p99' | 'headP50' | 'cpuMicrosPerDelivery') => running ? running.rounds.map((result) => result?.[key] ?? Number.NaN) : []
const find = (runs: Running[], label: string) => runs.find((running) => running.setup.label === label)
/** Round by round: this setup's figure minus the single server's of the same round. */
const added = (runs: Running[], running: Running, key: 'p50' | 'p99' | 'headP50') => pairedSpread(seriesOf(running, key), seriesOf(find(runs, SINGLE), key), (a, b) => a - b)

function render(profile: Profile, plan: PhasePlan, runs: Running[]): string {
  const perGroup = Math.floor(profile.replicaClients / GROUPS)
  const rows = runs.map((running) => [
    running.setup.label + (running.error ? ` (failed: ${running.error})` : ''),
    whole(running.connected),
    showSpread(spreadOf(seriesOf(running, 'p50'))),
    showSpread(spreadOf(seriesOf(running, 'p99'))),
    showSpread(spreadOf(seriesOf(running, 'headP50'))),
    running.setup.label === SINGLE ? '—' : showSpread(added(runs, running, 'p50')),
    running.setup.label === SINGLE ? '—' : showSpread(added(runs, running, 'p99')),
    running.setup.label === SINGLE ? '—' : showSpread(added(runs, running, 'headP50')),
    showSpread(spreadOf(seriesOf(running, 'cpuMicrosPerDelivery'))),
    whole(running.rounds.reduce((sum, result) => sum + (result?.lost ?? 0), 0)),
  ])
  return [
    `${whole(GROUPS * perGroup)} clients in ${GROUPS} equal groups of ${whole(perGroup)}: with replicas, one group per replica; in the baseline all three on the one server. A publisher process that serves no clients (pinned to the client core) sends ${plan.publishes} publishes per repetition, ${profile.replicaPublishesPerSecond} per second, to the HTTP publish API (\`POST /publish\`, over a pool of keep-alive connections so no publish waits for the answer to the one before), stamping each right before its request leaves. With replicas it publishes to a fourth replica that serves no clients, so every delivery crosses Redis; without, to the one server. All server processes (and the publishing replica) are pinned to the server core; each Redis (\`redis-server --save '' --appendonly no\`, fresh per setup) is not pinned. The setups stay connected and their phases run interleaved (rotated order each round), ${profile.repetitions} repetitions. Figures: median (min–max) over the repetitions; "added" pairs each repetition with the baseline's of the same round. "Fastest delivery" is the median over publishes of each publish's first delivery: the pipeline without the client core's queue.`,
    '',
    markdownTable(['Setup', 'Clients', 'p50 ms', 'p99 ms', 'Fastest delivery p50 ms', 'Added p50 ms', 'Added p99 ms', 'Added fastest ms', 'Server CPU µs/delivery, all replicas', 'Lost'], rows),
    '',
    `Every delivery's latency includes its place in the one client core's queue (${whole(GROUPS * perGroup)} receipts per publish), which is the same in every setup; the added figures are differences within one round, which cancel it.`,
  ].join('\n')
}

function goals(runs: Running[]): GoalVerdict[] {
  const lifeline = find(runs, LIFELINE_REPLICAS)!
  const p50 = added(runs, lifeline, 'p50')
  const p99 = added(runs, lifeline, 'p99')
  return [
    {
      goal: 'Cross-replica latency (3 replicas on Redis) added over one server without Redis, p50',
      target: `≤ +${ADDED_P50_MS} ms`,
      measured: `${showSpread(p50)} ms (p99: ${showSpread(p99)} ms)`,
      verdict: lifeline.error ? 'not measured' : atMost(p50, ADDED_P50_MS),
    },
  ]
}

function failures(profile: Profile, runs: Running[]): string[] {
  const found: string[] = []
  for (const running of runs) {
    const where = `replicas, ${running.setup.label}`
    if (running.error) found.push(`${where}: ${running.error}`)
    else if (running.rounds.filter(Boolean).length < profile.repetitions) found.push(`${where}: ${running.rounds.filter(Boolean).length} of ${profile.repetitions} repetitions`)
    for (const [round, result] of running.rounds.entries()) {
      if (result && result.lost !== 0) found.push(`${where}, round ${round + 1}: ${result.lost > 0 ? `${result.lost} deliveries lost` : `${-result.lost} deliveries too many`}`)
    }
  }
  return found
}
