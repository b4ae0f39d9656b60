import type { ConnectionKind } from './benchConnection'
import type { ServerKind } from './benchServer'
import type { BenchSection, GoalVerdict } from './benchSection'
import { runPhase, startProcesses } from './fanoutScenario'
import type { LatencySummary } from './latencyRecorder'
import { redisBrokerClass } from './lifelineBenchServer'
import { fixed, markdownTable, whole } from './markdownTable'
import { phasePlans, type Profile } from './profile'
import { startRedis } from './redisProcess'
import { median, sleep } from './stats'

interface Contender {
  label: string
  server: ServerKind
  connection: ConnectionKind
  /** Replicas on one Redis; 1 means a single server without Redis (the baseline). */
  replicas: number
}

const SINGLE_NODE = 'Lifeline mock server × 1, MemoryBroker (no Redis)'
const CONTENDERS: Contender[] = [
  { label: SINGLE_NODE, server: 'lifeline', connection: 'lifeline', replicas: 1 },
  { label: 'Lifeline mock server × 3, RedisBroker', server: 'lifeline', connection: 'lifeline', replicas: 3 },
  { label: 'socket.io × 3, @socket.io/redis-adapter', server: 'socket.io', connection: 'socket.io', replicas: 3 },
]

interface Latencies {
  p50: number
  p99: number
  /** Median of each publish's fastest delivery (see `LatencySummary.headP50`). */
  head: number
}

const NO_LATENCIES: Latencies = { p50: NaN, p99: NaN, head: NaN }

const unmeasured = ({ label, server, replicas }: Contender, error: string): ReplicaResult => ({ label, server, replicas, connected: 0, local: NO_LATENCIES, remote: NO_LATENCIES, lost: 0, error })

interface ReplicaResult {
  label: string
  server: ServerKind
  replicas: number
  connected: number
  local: Latencies
  remote: Latencies
  lost: number
  error?: string
}

/**
 * Replicas on one Redis, the clients split evenly. Replica 0 publishes at the fixed rate; its own
 * clients are "local", the other replicas' are "cross-replica".
 */
async function runReplicas(contender: Contender, profile: Profile, token: string, redisUrl: string | undefined): Promise<ReplicaResult> {
  const processes = await startProcesses(contender.replicas)
  const { servers, clients } = processes
  try {
    const urls = await Promise.all(servers.map((server) => server.call<{ url: string }>('start', { kind: contender.server, ...(redisUrl ? { redisUrl } : {}) })))
    const perReplica = Math.round(profile.replicaClients / contender.replicas)
    let connected = 0
    for (const [index, { url }] of urls.entries()) {
      const joined = await clients.call<{ connected: number; firstError?: string }>(
        'connect',
        { kind: contender.connection, url, token, count: perReplica, group: index === 0 ? 'local' : 'remote', concurrency: 100 },
        240_000,
      )
      if (joined.firstError) throw new Error(joined.firstError)
      connected += joined.connected
    }
    // Let every replica's subscriptions settle, then warm up.
    await sleep(500)
    const publisher = servers[0]!
    await runPhase(publisher, clients, { publishes: 5, intervalMs: 0 }, 5 * connected)
    const plan = phasePlans(profile, profile.replicaClients).fixedRate
    const rounds: Record<string, LatencySummary>[] = []
    let lost = 0
    for (let round = 0; round < profile.repetitions; round++) {
      const { result, groups } = await runPhase(publisher, clients, plan, plan.publishes * connected)
      rounds.push(groups)
      lost = Math.max(lost, result.lost)
    }
    const of = (group: string, key: 'p50' | 'p99' | 'headP50') => median(rounds.map((groups) => groups[group]?.[key] ?? Number.NaN))
    return {
      label: contender.label,
      server: contender.server,
      replicas: contender.replicas,
      connected,
      local: { p50: of('local', 'p50'), p99: of('local', 'p99'), head: of('local', 'headP50') },
      remote: { p50: of('remote', 'p50'), p99: of('remote', 'p99'), head: of('remote', 'headP50') },
      lost,
    }
  } finally {
    await processes.stop()
  }
}

export async function runReplicasSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const results: ReplicaResult[] = []
  for (const contender of CONTENDERS) {
    if (contender.server === 'lifeline' && contender.replicas > 1 && !redisBrokerClass()) {
      results.push(unmeasured(contender, '@lifeline/mock-server does not export RedisBroker: not measured'))
      continue
    }
    log(`replicas: ${contender.label}, ${profile.replicaClients} clients`)
    // A fresh, empty Redis per contender: no history or keys carried over.
    const redis = contender.replicas > 1 ? await startRedis() : undefined
    try {
      results.push(await runReplicas(contender, profile, token, redis?.url))
    } catch (error) {
      results.push(unmeasured(contender, error instanceof Error ? error.message : String(error)))
    } finally {
      await redis?.stop()
    }
    const last = results[results.length - 1]!
    log(`  local p50 ${fixed(last.local.p50, 2)} ms, cross-replica p50 ${fixed(last.remote.p50, 2)} ms${last.error ? ` (${last.error})` : ''}`)
  }
  const single = results.find((result) => result.label === SINGLE_NODE)!
  const rows = results.map((result) => [
    result.label + (result.error ? ` (${result.error})` : ''),
    whole(result.connected),
    fixed(result.local.p50, 2),
    fixed(result.local.p99, 2),
    fixed(result.remote.p50, 2),
    fixed(result.remote.p99, 2),
    fixed(result.remote.p50 - result.local.p50, 2),
    fixed(result.remote.p99 - result.local.p99, 2),
    fixed(result.remote.p50 - single.local.p50, 2),
    whole(result.lost),
  ])
  const headRows = results.map((result) => [
    result.label,
    fixed(result.local.head, 2),
    fixed(result.remote.head, 2),
    fixed(result.remote.head - result.local.head, 2),
    fixed(result.remote.head - single.local.head, 2),
  ])
  const lifeline = results.find((result) => result.server === 'lifeline' && result.replicas > 1)!
  const overLocal = lifeline.remote.p50 - lifeline.local.p50
  const overSingle = lifeline.remote.p50 - single.local.p50
  const headOverSingle = lifeline.remote.head - single.local.head
  const goals: GoalVerdict[] = [
    {
      goal: `Cross-replica adds ≤ 2 ms at p50 over local (${whole(profile.replicaClients)} clients, 3 replicas)`,
      measured: Number.isFinite(overLocal) ? `${fixed(overLocal, 2)} ms` : lifeline.error ?? 'n/a',
      met: Number.isFinite(overLocal) ? overLocal <= 2 : undefined,
    },
    {
      goal: `… and over one server without Redis (same clients, same run)`,
      measured: Number.isFinite(overSingle) ? `${fixed(overSingle, 2)} ms` : lifeline.error ?? 'n/a',
      met: Number.isFinite(overSingle) ? overSingle <= 2 : undefined,
    },
    {
      goal: `… fastest delivery per publish, cross-replica over one server without Redis`,
      measured: Number.isFinite(headOverSingle) ? `${fixed(headOverSingle, 2)} ms` : lifeline.error ?? 'n/a',
      met: Number.isFinite(headOverSingle) ? headOverSingle <= 2 : undefined,
    },
  ]
  return {
    title: 'Across replicas (Redis)',
    markdown: [
      `Three server processes (all pinned to the server core, like the client process to the other) share one throwaway \`redis-server\` (\`--save '' --appendonly no\`, not pinned, fresh per contender); ${whole(profile.replicaClients)} clients, a third on each replica, in one client process on the other core. Replica 0 publishes at the fan-out's fixed rate (${whole(profile.rateDeliveriesPerSecond)} deliveries/s offered, about ${profile.rateSeconds} s); "local" is its own clients, "cross-replica" the other two replicas' clients. Medians over ${profile.repetitions} repetitions. "Added" is cross-replica minus local. Lifeline's RedisBroker sends even local deliveries through Redis pub/sub (one path, no duplicates), so its "local" includes a Redis round trip too; the first row (one mock server with the in-memory broker, same client count, same run) is the baseline without Redis, and the last column compares against it.`,
      '',
      markdownTable(['Setup', 'Clients', 'Local p50 ms', 'Local p99 ms', 'Cross-replica p50 ms', 'Cross-replica p99 ms', 'Added p50 ms', 'Added p99 ms', 'Cross-replica p50 over one server without Redis, ms', 'Lost'], rows),
      '',
      'With 1,000 clients draining in one process, every delivery\'s latency is mostly its place in the client core\'s queue, which swamps a millisecond either way. The fastest delivery of each publish (median over publishes) has no queue in front of it: it is the pipeline itself (publish, broker, replica, first socket).',
      '',
      markdownTable(['Setup', 'Local fastest-delivery p50 ms', 'Cross-replica fastest-delivery p50 ms', 'Added ms', 'Cross-replica over one server without Redis, ms'], headRows),
    ].join('\n'),
    goals,
  }
}
