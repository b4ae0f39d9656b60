import { createFaultProxy, createServer, type FaultProxy, type MockServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RealtimeClient } from '../../src/index'
import { startHarness, type Harness } from '../support/harness'
import { FAST } from './support/fast'
import { account, everyMessage, expectInvariant, type Published } from './support/invariant'
import { startRoundRobin } from './support/roundRobin'
import { NUMBERED, publishNumbered, publishUntil, watch, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
const later = <T>(value: T, close: (value: T) => Promise<void> | void): T => (cleanups.push(() => close(value)), value)

const CHANNEL = 'leaderboard'
const health = async (server: Pick<MockServer, 'url'>) => (await fetch(`${server.url}/healthz`)).status

/** A replica: its own RedisBroker (ready or not yet) and server. */
async function replica(redis: RedisServer, { awaitReady = true } = {}): Promise<{ server: MockServer; broker: RedisBroker }> {
  const broker = later(new RedisBroker({ url: redis.url, reconnectMaxDelayMs: 200, log: () => {} }), (made) => made.close())
  if (awaitReady) await broker.ready()
  const server = later(await createServer({ port: 0, broker }), (made) => made.close())
  return { server, broker }
}

/** A client of `url` subscribed to the channel, over WebSocket or (odd `index`) SSE only. */
function subscribedClient(harness: Harness, url: string, index: number): { client: RealtimeClient; seen: Watch } {
  const client = harness.client({ ...FAST, url, transports: index % 2 ? ['sse'] : ['websocket'] })
  client.connect()
  return { client, seen: watch(client, CHANNEL) }
}

/**
 * Publishes the next number through the next replica, retrying with the same idempotency key until
 * one acknowledges it: a refusal (Redis away) must never count as published. Numbers with a refused
 * attempt go into `refused`: one refused as Redis died may have been stored and fanned out anyway.
 */
function publisher(replicas: MockServer[], published: Published, refused: Set<number>) {
  let turn = 0
  return async function publishNext(): Promise<void> {
    const n = published.size + 1
    for (let attempt = 0; attempt < 1200; attempt++) {
      const server = replicas[turn++ % replicas.length]!
      try {
        published.set(n, (await server.publish(CHANNEL, NUMBERED, { n }, `n${n}`)).position)
        return
      } catch (error) {
        expect(error).toMatchObject({ code: 'UNAVAILABLE' })
        refused.add(n)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
    throw new Error(`message ${n} was never acknowledged`)
  }
}

describe('Redis', () => {
  it('SIGKILLed and restarted empty under three replicas behind a load balancer, publishes through every replica: every client gets each acknowledged message once, in order, or one gap per outage over it', async () => {
    const redis = later(await startRedis(), (server) => server.kill())
    const replicas = await Promise.all([0, 1, 2].map(() => replica(redis)))
    const balancer = later(await startRoundRobin(replicas.map(({ server }) => server.url)), (made) => made.close())
    const harness = later(await startHarness({}), (made) => made.close())
    const fleet = [0, 1, 2, 3, 4, 5].map((index) => subscribedClient(harness, balancer.url, index))
    await Promise.all(fleet.map(({ seen }) => seen.subscribed))
    const published: Published = new Map()
    const refused = new Set<number>()
    const publishNext = publisher(replicas.map(({ server }) => server), published, refused)
    for (let n = 0; n < 15; n++) await publishNext()

    // Publishing goes on in the background through the outage: refused there, retried after.
    let publishing = true
    const traffic = (async () => {
      while (publishing && published.size < 1000) {
        await publishNext()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    await redis.kill()
    for (const { server } of replicas) await expect.poll(() => health(server), { timeout: 10_000 }).toBe(503)
    const duringOutage = published.size
    await redis.start()
    for (const { server } of replicas) await expect.poll(() => health(server), { timeout: 10_000 }).toBe(200)
    await expect.poll(() => published.size, { timeout: 15_000 }).toBeGreaterThan(duringOutage + 15)
    publishing = false
    await traffic
    // Nothing was acknowledged while Redis was away (the first retries after it came back may land).
    const oldEpoch = published.get(1)!.epoch
    expect([...published.values()].filter((at) => at.epoch === oldEpoch)).toHaveLength(duringOutage)

    const afterOutage = [...published].filter(([, at]) => at.epoch !== oldEpoch)
    await expect.poll(() => fleet.every(({ seen }) => afterOutage.every(([n]) => seen.received.includes(n))), { timeout: 20_000 }).toBe(true)
    const accounts = fleet.map(({ seen }) => account(published, seen, published, refused))
    expectInvariant(accounts, 'six clients behind the balancer')
    for (const { seen } of fleet) {
      // One gap per outage, not one per epoch switch or per replica: from the old epoch to the new one.
      expect(seen.gaps).toHaveLength(1)
      expect([seen.gaps[0]!.from.epoch, seen.gaps[0]!.to.epoch]).toEqual([oldEpoch, afterOutage[0]![1].epoch])
    }
  })

  it('a replica started before Redis is up refuses publishes and subscribes until it is ready, then serves with no false gap', async () => {
    const redis = later(await startRedis({ running: false }), (server) => server.kill())
    const { server, broker } = await replica(redis, { awaitReady: false })
    expect(await health(server)).toBe(503)
    const harness = later(await startHarness({}), (made) => made.close())
    const fleet = [0, 1, 2, 3].map((index) => subscribedClient(harness, server.url, index))
    // Listening, but not on Redis yet: a publish is refused, over the API and from the server alike.
    await expect(server.publish(CHANNEL, NUMBERED, { n: 0 })).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect.poll(() => fleet.filter(({ client }) => client.channel(CHANNEL).state.error?.code === 'UNAVAILABLE').length, { timeout: 10_000 }).toBeGreaterThan(0)

    await redis.start()
    await broker.ready()
    await Promise.all(fleet.map(({ seen }) => seen.subscribed))
    const published = await publishNumbered(server, CHANNEL, 1, 20)
    await expect.poll(() => fleet.every(({ seen }) => seen.received.length === 20), { timeout: 15_000 }).toBe(true)
    for (const { seen } of fleet) {
      expect(account(published, seen)).toEqual(everyMessage(20))
      expect(seen.gaps).toEqual([])
    }
  })

  it('three replicas, one killed: its clients move to the others and recover from Redis with no gap, loss or repeat', async () => {
    const redis = later(await startRedis(), (server) => server.kill())
    const replicas = (await Promise.all([0, 1, 2].map(() => replica(redis)))).map(({ server }) => server)
    const proxies: FaultProxy[] = []
    for (const server of replicas) proxies.push(later(await createFaultProxy({ target: server.url }), (made) => made.close()))
    const harness = later(await startHarness({}), (made) => made.close())
    const fleet = [0, 1, 2, 3, 4, 5].map((index) => subscribedClient(harness, proxies[index % 3]!.url, index))
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
      expect(account(published, seen)).toEqual(everyMessage(published.size))
      expect(seen.gaps).toEqual([])
    }
  })
})
