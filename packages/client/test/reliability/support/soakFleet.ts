import { createFaultProxy, createServer, type FaultProxy, type MockServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import type { RealtimeClient } from '../../../src/index'
import { startHarness, type Harness } from '../../support/harness'
import { FAST } from './fast'
import type { Published } from './invariant'
import { startRoundRobin, type RoundRobin } from './roundRobin'
import { NUMBERED, watch, type Watch } from './tally'

export const CHANNELS = ['board:1', 'board:2', 'board:3', 'board:4']
export const API_KEY = 'soak-api-key'
const PROXIES = 4
const REPLICAS = 3

/** One server process of the deployment: its own broker on the shared Redis. */
export interface Replica {
  server: MockServer
  broker: RedisBroker
}

/**
 * Three replicas on one Redis behind a round-robin balancer (no sticky sessions), four fault proxies
 * in front of the balancer, and the clients spread over the proxies.
 */
export interface Fleet {
  harness: Harness
  redis: RedisServer
  replicas: Replica[]
  balancer: RoundRobin
  proxies: FaultProxy[]
  clients: RealtimeClient[]
  /** Two per client, in client order. */
  watches: Watch[]
  errorsOf: Map<RealtimeClient, string[]>
}

/** A replica on `redis`; with `awaitReady: false` it listens before its broker reached Redis. */
export async function startReplica(redis: RedisServer, { awaitReady = true } = {}): Promise<Replica> {
  const broker = new RedisBroker({ url: redis.url, reconnectMaxDelayMs: 500, log: () => {} })
  if (awaitReady) await broker.ready()
  const server = await createServer({ port: 0, broker, heartbeatMs: 1000, apiKey: API_KEY, log: () => {} })
  return { server, broker }
}

export async function stopReplica({ server, broker }: Replica): Promise<void> {
  await server.close()
  await broker.close()
}

export async function startFleet(clientCount: number): Promise<Fleet> {
  const redis = await startRedis()
  const replicas: Replica[] = []
  for (let index = 0; index < REPLICAS; index++) replicas.push(await startReplica(redis))
  const balancer = await startRoundRobin(replicas.map(({ server }) => server.url))
  // The harness's own server is not used: it mints tokens and builds clients.
  const harness = await startHarness({})
  const proxies: FaultProxy[] = []
  for (let index = 0; index < PROXIES; index++) proxies.push(await createFaultProxy({ target: balancer.url }))
  const clients: RealtimeClient[] = []
  const watches: Watch[] = []
  const errorsOf = new Map<RealtimeClient, string[]>()
  for (let index = 0; index < clientCount; index++) {
    // A quarter of the clients can only use SSE, as behind a proxy that never allows WebSocket.
    const client = harness.client({ ...FAST, livenessMs: 2000, url: proxies[index % PROXIES]!.url, sub: `user${index}`, ...(index % 4 === 3 ? { transports: ['sse'] } : {}) })
    const errors: string[] = []
    errorsOf.set(client, errors)
    client.on('error', (error) => errors.push(`${error.code} ${error.message}`))
    client.connect()
    clients.push(client)
    watches.push(watch(client, CHANNELS[index % CHANNELS.length]!), watch(client, CHANNELS[(index + 1) % CHANNELS.length]!))
  }
  return { harness, redis, replicas, balancer, proxies, clients, watches, errorsOf }
}

export async function stopFleet(fleet: Fleet): Promise<void> {
  await fleet.harness.close()
  for (const proxy of fleet.proxies) await proxy.close()
  await fleet.balancer.close()
  for (const replica of fleet.replicas) await stopReplica(replica)
  await fleet.redis.kill()
}

/** Points the balancer at the replicas as they are now (after one was replaced). */
export function rebalance(fleet: Fleet): void {
  fleet.balancer.targets = fleet.replicas.map(({ server }) => server.url)
}

/**
 * Publishes the next `{ n }` of `channel` through the replicas in turn, with its idempotency key,
 * until one acknowledges it: a refusal (Redis away, a replica not ready) is never counted, and its
 * number goes into `refused` (a refused attempt may have been stored all the same). Answers `false`
 * when `stop()` held before that.
 */
export async function publishThroughAny(fleet: Fleet, channel: string, published: Published, refused: Set<number>, turn: { next: number }, stop: () => boolean): Promise<boolean> {
  const n = published.size + 1
  while (!stop()) {
    const replica = fleet.replicas[turn.next++ % fleet.replicas.length]!
    try {
      published.set(n, (await replica.server.publish(channel, NUMBERED, { n }, `${channel}:${n}`)).position)
      return true
    } catch {
      // Refused (UNAVAILABLE) or the replica is going away: the same number again, elsewhere.
      refused.add(n)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  return false
}
