import { createFaultProxy, createServer, type FaultProxy, type MockServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import type { RealtimeClient } from '../../src/index'
import { startHarness, type Harness } from '../support/harness'
import { FAST } from './support/fast'
import { publishNumbered, publishUntil, verdict, watch, type Published, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let redis: RedisServer
let harness: Harness
const cleanups: (() => Promise<void> | void)[] = []
const brokerLog: string[] = []

async function broker(): Promise<RedisBroker> {
  const made = new RedisBroker({ url: redis.url, reconnectMaxDelayMs: 200, log: (message) => brokerLog.push(message) })
  cleanups.push(() => made.close())
  await made.ready()
  return made
}

beforeEach(async () => {
  redis = await startRedis()
  cleanups.push(() => redis.kill())
  harness = await startHarness({ broker: await broker() })
  cleanups.push(() => harness.close())
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const CHANNEL = 'leaderboard'
const clean = (published: Published) => ({ published: published.size, delivered: published.size, lost: 0, lostUnannounced: 0, duplicated: 0, reordered: 0 })
const health = async (server: MockServer) => (await fetch(`${server.url}/healthz`)).status

function subscribedClient(url: string, index: number): { client: RealtimeClient; seen: Watch } {
  const client = harness.client({ ...FAST, url, transports: index % 2 ? ['sse'] : ['websocket'] })
  client.connect()
  return { client, seen: watch(client, CHANNEL) }
}

describe('Redis', () => {
  it('killed and restarted empty: connected clients keep receiving; a client away during the outage is told of its gap', async () => {
    const steady = [0, 1, 2, 3].map((index) => subscribedClient(harness.server.url, index))
    const away = subscribedClient(harness.server.url, 0)
    await Promise.all([...steady, away].map(({ seen }) => seen.subscribed))
    const published = await publishNumbered(harness.server, CHANNEL, 1, 10)
    await expect.poll(() => [...steady, away].every(({ seen }) => seen.received.length === 10)).toBe(true)

    away.client.disconnect()
    await redis.kill()
    await expect.poll(() => health(harness.server), { timeout: 10_000 }).toBe(503)
    // Degraded, the server still serves its own clients (S4).
    await publishNumbered(harness.server, CHANNEL, 11, 20, published)
    await expect.poll(() => steady.every(({ seen }) => seen.received.length === 20)).toBe(true)

    await redis.start()
    await expect.poll(() => health(harness.server), { timeout: 10_000 }).toBe(200)
    await publishNumbered(harness.server, CHANNEL, 21, 30, published)
    await expect.poll(() => steady.every(({ seen }) => seen.received.length === 30)).toBe(true)

    // Redis came back empty: history from before is gone, so the returning client gets a gap, then live messages.
    away.client.connect()
    await expect.poll(() => away.seen.gaps.length, { timeout: 10_000 }).toBe(1)
    await publishNumbered(harness.server, CHANNEL, 31, 35, published)
    await expect.poll(() => steady.every(({ seen }) => seen.received.length === 35) && away.seen.received.length === 15).toBe(true)

    for (const { client, seen } of steady) {
      expect(verdict(published, seen)).toEqual(clean(published))
      expect(client.stats().reconnects).toBe(0)
    }
    expect(verdict(published, away.seen)).toEqual({ published: 35, delivered: 15, lost: 20, lostUnannounced: 0, duplicated: 0, reordered: 0 })
    expect(away.seen.received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 31, 32, 33, 34, 35])
  })

  it('three replicas, one killed: its clients move to the others and recover from Redis with no gap, loss or repeat', async () => {
    const replicas = [harness.server]
    for (let index = 1; index < 3; index++) {
      const server = await createServer({ port: 0, broker: await broker() })
      cleanups.push(() => server.close())
      replicas.push(server)
    }
    const proxies: FaultProxy[] = []
    for (const server of replicas) {
      const proxy = await createFaultProxy({ target: server.url })
      cleanups.push(() => proxy.close())
      proxies.push(proxy)
    }
    const fleet = [0, 1, 2, 3, 4, 5].map((index) => subscribedClient(proxies[index % 3]!.url, index))
    await Promise.all(fleet.map(({ seen }) => seen.subscribed))
    // Publishes enter through every replica in turn: no replica is special.
    let turn = 0
    const anyReplica = { publish: (...args: Parameters<MockServer['publish']>) => replicas[turn++ % replicas.length]!.publish(...args) }
    const published = await publishNumbered(anyReplica, CHANNEL, 1, 15)
    await expect.poll(() => fleet.every(({ seen }) => seen.received.length === 15)).toBe(true)

    // Replica 2 crashes; the load balancer sends its traffic to replica 0 from now on.
    const [, , doomed] = replicas
    replicas.pop()
    proxies[2]!.target = replicas[0]!.url
    proxies[2]!.cut()
    await doomed!.close()
    await publishUntil(anyReplica, CHANNEL, published, () => fleet.every(({ client }) => client.getSnapshot().status === 'connected') && replicas[0]!.clients.length === 4)
    await publishNumbered(anyReplica, CHANNEL, published.size + 1, published.size + 6, published)
    await expect.poll(() => fleet.every(({ seen }) => new Set(seen.received).size === published.size), { timeout: 15_000 }).toBe(true)
    for (const { seen } of fleet) {
      expect(verdict(published, seen)).toEqual(clean(published))
      expect(seen.gaps).toEqual([])
    }
  })
})
