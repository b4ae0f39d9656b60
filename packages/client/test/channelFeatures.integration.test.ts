import type { TransportName } from '@lifeline/protocol'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { startRedis } from '@lifeline/testkit/tools'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MessageMeta, PresenceMember, RealtimeClient } from '../src/index'
import { startHarness, type Harness } from './support/harness'

// Rewind, the server's stamp and presence, seen by the client's API, on every transport, with the
// in-memory broker (one server) and with Redis (two replicas, the two users on different ones).

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })
const PATIENCE = { timeout: 20_000, interval: 20 }

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * A long-polling client that goes away only stops polling: the server ends its session (and its
 * presence) a heartbeat and a poll hold later. A short heartbeat keeps that wait short here.
 */
const SERVER = { heartbeatMs: 1000 }

/** Two harnesses, one per replica: the same server twice in memory, two servers on one Redis. */
async function deployment(broker: 'memory' | 'redis'): Promise<[Harness, Harness]> {
  if (broker === 'memory') {
    const harness = await startHarness(SERVER)
    cleanups.push(() => harness.close())
    return [harness, harness]
  }
  const redis = await startRedis()
  cleanups.push(() => redis.kill())
  return Promise.all(
    [0, 1].map(async () => {
      const redisBroker = new RedisBroker({ url: redis.url, reconnectMaxDelayMs: 200, log: () => {} })
      cleanups.push(() => redisBroker.close())
      await redisBroker.ready()
      const harness = await startHarness({ ...SERVER, broker: redisBroker })
      cleanups.push(() => harness.close())
      return harness
    }),
  ) as Promise<[Harness, Harness]>
}

function connected(harness: Harness, sub: string, transport: TransportName): RealtimeClient {
  const client = harness.client({ sub, transports: [transport], releaseGraceMs: 10 })
  client.connect()
  return client
}

describe.each(['memory', 'redis'] as const)('with the %s broker', (broker) => {
  describe.each(['websocket', 'sse', 'long-polling'] as const)('over %s', (transport) => {
    it('shows the last value on subscribe with rewind, stamped with who published it, then the live ones', async () => {
      const [first, second] = await deployment(broker)
      const ada = connected(first, 'ada', transport)
      for (const n of [1, 2]) await ada.channel('board:rw').publish('score', { n })
      const grace = connected(second, 'grace', transport)
      const seen: [unknown, string | null][] = []
      const stamps: MessageMeta[] = []
      grace.channel('board:rw').on('score', (data, meta) => {
        seen.push([data, meta.publisher])
        stamps.push(meta)
      })
      grace.channel('board:rw').subscribe({ rewind: 1 })
      await vi.waitFor(() => expect(seen).toEqual([[{ n: 2 }, 'ada']]), PATIENCE)
      await second.server.publish('board:rw', 'score', { n: 3 })
      await vi.waitFor(() => expect(seen).toEqual([[{ n: 2 }, 'ada'], [{ n: 3 }, null]]), PATIENCE)
      expect(stamps[1]!.time).toBeGreaterThanOrEqual(stamps[0]!.time)
    })

    it('shows who is in a channel, across users and replicas, with join, update and leave', async () => {
      const [first, second] = await deployment(broker)
      const ada = connected(first, 'ada', transport)
      const comments = ada.channel('comments:pr')
      const events: string[] = []
      for (const type of ['join', 'update', 'leave'] as const) comments.presence.on(type, (member: PresenceMember) => events.push(`${type} ${member.sub} ${member.connections}`))
      comments.subscribe({ presence: { data: { name: 'Ada' } } })
      await vi.waitFor(() => expect(comments.presence.members()).toEqual([{ sub: 'ada', connections: 1, data: { name: 'Ada' } }]), PATIENCE)

      const grace = connected(second, 'grace', transport)
      const release = grace.channel('comments:pr').subscribe({ presence: { data: { name: 'Grace' } } })
      await vi.waitFor(() => expect(grace.channel('comments:pr').presence.members().map((member) => member.sub).sort()).toEqual(['ada', 'grace']), PATIENCE)
      const graceElsewhere = connected(first, 'grace', transport)
      graceElsewhere.channel('comments:pr').subscribe({ presence: { data: { name: 'Grace', device: 'phone' } } })
      await vi.waitFor(() => expect(comments.presence.members()).toContainEqual({ sub: 'grace', connections: 2, data: { name: 'Grace', device: 'phone' } }), PATIENCE)
      graceElsewhere.disconnect()
      release()
      await vi.waitFor(() => expect(comments.presence.members()).toEqual([{ sub: 'ada', connections: 1, data: { name: 'Ada' } }]), PATIENCE)
      expect(events).toEqual(['join ada 1', 'join grace 1', 'update grace 2', 'update grace 1', 'leave grace 0'])
    })
  })
})
