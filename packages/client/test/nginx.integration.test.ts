import { createServer, type MockServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { startNginx, startRedis, type Nginx } from '@lifeline/testkit/tools'
import { describe, expect, it, vi } from 'vitest'
import { useHarness } from './support/harness'
import { perTest } from './support/perTest'
import { publishNumbered, verdict, watch, type Published } from './reliability/support/tally'

// Real processes on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const CHANNEL = 'leaderboard'
const backendOf = (server: MockServer) => new URL(server.url).host
const clean = (published: Published) => ({ published: published.size, delivered: published.size, lost: 0, lostUnannounced: 0, duplicated: 0, reordered: 0 })

describe('behind nginx with the configuration in docs/nginx', () => {
  // A heartbeat far off: a message held back by nginx (buffering, gzip) would wait for it and fail the test.
  const harness = useHarness({ heartbeatMs: 120_000 })
  const nginx = perTest(() => startNginx([backendOf(harness.server)]), (started) => started.close())

  it.each(['websocket', 'sse'] as const)('over %s: connects, gets every message once and in order as it is published, and publishes', async (transport) => {
    const client = harness.client({ url: nginx.url, transports: [transport] })
    client.connect()
    const seen = watch(client, CHANNEL)
    await seen.subscribed
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport })

    const published = await publishNumbered(harness.server, CHANNEL, 1, 50)
    await expect.poll(() => seen.received.length, { timeout: 20_000 }).toBe(50)
    // One lone message, nothing after it: it must pass nginx on its own.
    await publishNumbered(harness.server, CHANNEL, 51, 51, published)
    await expect.poll(() => seen.received.length, { timeout: 20_000 }).toBe(51)
    expect(verdict(published, seen)).toEqual(clean(published))

    const reply = await client.channel('board:1').publish('note', { from: transport })
    expect(reply.duplicate).toBe(false)
    expect(client.stats().reconnects).toBe(0)
  })
})

describe('three replicas on Redis behind nginx, round robin, nothing sticky (docs/scaling.md)', () => {
  const replicas = perTest(
    async () => {
      const redis = await startRedis()
      const servers = await Promise.all([0, 1, 2].map(() => createServer({ port: 0, heartbeatMs: 120_000, broker: new RedisBroker({ url: redis.url }) })))
      const proxy: Nginx = await startNginx(servers.map(backendOf))
      return { redis, servers, nginx: proxy }
    },
    async ({ redis, servers, nginx: proxy }) => {
      await proxy.close()
      await Promise.all(servers.map((server) => server.close()))
      await redis.kill()
    },
  )
  const harness = useHarness()

  it('SSE clients whose upstream POSTs land on other replicas than their stream, and WebSocket clients, get every message once, in order', async () => {
    const { servers, nginx: proxy } = replicas
    const clients = [0, 1, 2, 3, 4, 5].map((index) => harness.client({ url: proxy.url, transports: index < 4 ? ['sse'] : ['websocket'], sub: `user${index}` }))
    for (const client of clients) client.connect()
    const watches = clients.map((client) => watch(client, CHANNEL))
    await Promise.all(watches.map((seen) => seen.subscribed))

    const published: Published = new Map()
    for (let n = 1; n <= 30; n++) await publishNumbered(servers[n % 3]!, CHANNEL, n, n, published)
    // One client at a time, three publishes each: round robin sends three POSTs in a row to three
    // different replicas, so at least two reach one that does not hold the client's stream.
    for (const [index, client] of clients.entries()) {
      for (let n = 1; n <= 3; n++) expect((await client.channel(`board:${index}`).publish('note', { index, n })).duplicate).toBe(false)
    }
    for (const seen of watches) await expect.poll(() => seen.received.length, { timeout: 20_000 }).toBe(30)
    for (const seen of watches) expect(verdict(published, seen)).toEqual(clean(published))

    // Every SSE client sent upstream through nginx, and some of its POSTs reached a replica that does not hold its stream.
    const holderOf = new Map(servers.flatMap((server) => server.clients.filter((info) => info.transport === 'sse').map((info) => [info.id, backendOf(server)] as const)))
    expect(holderOf.size).toBe(4)
    const posts = (await proxy.requests()).filter((request) => request.path === '/sse/send')
    for (const [session, holder] of holderOf) {
      const backends = posts.filter((request) => request.session === session).map((request) => request.backend)
      expect(backends.length).toBeGreaterThan(0)
      expect(backends.some((backend) => backend !== holder)).toBe(true)
    }
  })
})
