import type { Position } from '@lifeline/protocol'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Publication, UpstreamEnvelope } from '../../src/engine/index'
import { RedisBroker, type RedisBrokerOptions } from '../../src/redis/redisBroker'
import { freePort, startRedis, type RedisProcess } from './support/redisServer'
import { PATIENCE, allowSlowMachines } from './support/patience'

allowSlowMachines()

let redis: RedisProcess
let admin: Redis
const brokers: RedisBroker[] = []

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
})
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.close()))
  await admin.flushall()
})
afterAll(async () => {
  admin.disconnect()
  await redis.kill()
})

async function replica(options: RedisBrokerOptions = {}): Promise<RedisBroker> {
  const broker = new RedisBroker({ url: redis.url, ...options })
  brokers.push(broker)
  await broker.ready()
  return broker
}

const envelope: UpstreamEnvelope = { subject: 'ada', frame: { id: 1, type: 'ping' } }

describe('RedisBroker', () => {
  it('gives every replica each publication once, in position order, whichever replica published it', async () => {
    const [a, b, c] = await Promise.all([replica(), replica(), replica()])
    const seen = new Map<RedisBroker, number[]>([[a, []], [b, []], [c, []]])
    for (const [broker, offsets] of seen) await broker.subscribe('board:1', (publication) => offsets.push(publication.pos.offset))
    await Promise.all(Array.from({ length: 30 }, (_, n) => [a, b, c][n % 3]!.publish({ channel: 'board:1', event: 'move', data: { n } })))
    const all = Array.from({ length: 30 }, (_, n) => n + 1)
    await vi.waitFor(() => {
      for (const offsets of seen.values()) expect(offsets).toEqual(all)
    }, PATIENCE)
  })

  it('replays what came after `since` from any replica, and only that', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    const positions: Position[] = []
    for (let n = 1; n <= 5; n++) positions.push((await a.publish({ channel: 'board:2', event: 'move', data: { n } })).position)
    const history = await b.history('board:2', positions[1])
    expect(history).toMatchObject({ position: positions[4], recovered: true })
    expect(history.publications.map((publication) => [publication.pos, publication.data])).toEqual([3, 4, 5].map((n) => [positions[n - 1], { n }]))
    expect(await b.history('board:2', positions[4])).toMatchObject({ recovered: true, publications: [] })
  })

  it('answers recovered: false once history was trimmed past `since` by length', async () => {
    const broker = await replica({ historySize: 3 })
    const first = await broker.publish({ channel: 'board:3', event: 'move', data: 1 })
    for (let n = 2; n <= 5; n++) await broker.publish({ channel: 'board:3', event: 'move', data: n })
    expect(await broker.history('board:3', first.position)).toMatchObject({ recovered: false, publications: [] })
    const kept = await broker.history('board:3', { ...first.position, offset: 2 })
    expect(kept.recovered).toBe(true)
    expect(kept.publications.map((publication) => publication.data)).toEqual([3, 4, 5])
  })

  it('answers recovered: false once the messages after `since` are older than the history ttl', async () => {
    const broker = await replica({ historyTtlMs: 1500 })
    const first = await broker.publish({ channel: 'board:4', event: 'move', data: 1 })
    await broker.publish({ channel: 'board:4', event: 'move', data: 2 })
    expect((await broker.history('board:4', first.position)).recovered).toBe(true)
    await vi.waitFor(async () => expect((await broker.history('board:4', first.position)).recovered).toBe(false), PATIENCE)
  })

  it('starts a new epoch when the channel is lost in Redis, so old positions are not recovered', async () => {
    const broker = await replica()
    const before = await broker.publish({ channel: 'board:5', event: 'move', data: 1 })
    await admin.flushall()
    const after = await broker.publish({ channel: 'board:5', event: 'move', data: 2 })
    expect(after.position.epoch).not.toBe(before.position.epoch)
    expect(after.position.offset).toBe(1)
    expect(await broker.history('board:5', before.position)).toMatchObject({ position: after.position, recovered: false })
  })

  it('keeps publishing in a new epoch when only the position key was evicted', async () => {
    const broker = await replica()
    const before = await broker.publish({ channel: 'board:8', event: 'move', data: 1 })
    await broker.publish({ channel: 'board:8', event: 'move', data: 2 })
    await admin.del('lifeline:{board:8}:meta')
    const after = await broker.publish({ channel: 'board:8', event: 'move', data: 3 })
    expect(after.position).toEqual({ epoch: expect.not.stringMatching(before.position.epoch), offset: 1 })
    expect(await broker.history('board:8', before.position)).toMatchObject({ recovered: false, publications: [] })
  })

  it('refuses a history size that is not a positive integer', () => {
    expect(() => new RedisBroker({ url: redis.url, historySize: 0 })).toThrow(TypeError)
  })

  it('delivers a publish repeated with the same key on another replica once, with the first position', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    const received: Publication[] = []
    await b.subscribe('board:6', (publication) => received.push(publication))
    const first = await a.publish({ channel: 'board:6', event: 'move', data: 'x', key: 'k-1' })
    const repeat = await b.publish({ channel: 'board:6', event: 'move', data: 'x', key: 'k-1' })
    await b.publish({ channel: 'board:6', event: 'move', data: 'y' })
    expect(repeat).toEqual({ position: first.position, duplicate: true })
    await vi.waitFor(() => expect(received.map((publication) => publication.data)).toEqual(['x', 'y']), PATIENCE)
  })

  it('lets a claim succeed once across replicas', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    expect(await a.claimOnce('ticket:n1', 10_000)).toBe(true)
    expect(await b.claimOnce('ticket:n1', 10_000)).toBe(false)
    expect(await a.claimOnce('ticket:n1', 10_000)).toBe(false)
  })

  it('routes upstream commands to the replica that holds the session, and says 404 when none does', async () => {
    const [a, b, c] = await Promise.all([replica(), replica(), replica()])
    const delivered: UpstreamEnvelope[] = []
    b.registerSession('s_1', (received) => {
      delivered.push(received)
      return { accepted: true }
    })
    expect(await a.routeToSession('s_1', envelope)).toEqual({ accepted: true })
    expect(await c.routeToSession('s_1', envelope)).toEqual({ accepted: true })
    expect(delivered).toEqual([envelope, envelope])
    expect(await a.routeToSession('s_unknown', envelope)).toMatchObject({ accepted: false, status: 404, error: { code: 'SESSION_NOT_FOUND' } })
  })

  it('answers 503 when a replica that received an upstream command never answers', async () => {
    const [a, b] = await Promise.all([replica({ routeTimeoutMs: 200 }), replica()])
    b.registerSession('s_2', () => ({ accepted: true }))
    const mute = new Redis(redis.url)
    await mute.subscribe('lifeline:upstream')
    try {
      expect(await a.routeToSession('s_2', envelope)).toEqual({ accepted: true })
      expect(await a.routeToSession('s_unknown', envelope)).toMatchObject({ accepted: false, status: 503, error: { code: 'INTERNAL' } })
    } finally {
      mute.disconnect()
    }
  })

  it('serves local subscribers, claims and its own sessions while Redis cannot be reached', async () => {
    const broker = new RedisBroker({ url: `redis://127.0.0.1:${await freePort()}`, log: () => {} })
    brokers.push(broker)
    expect(broker.health()).toEqual({ status: 'degraded', reason: expect.any(String) })
    const received: unknown[] = []
    await broker.subscribe('board:10', (publication) => received.push(publication.data))
    const { position } = await broker.history('board:10')
    const first = await broker.publish({ channel: 'board:10', event: 'move', data: 'local', key: 'k' })
    expect(await broker.publish({ channel: 'board:10', event: 'move', data: 'local', key: 'k' })).toEqual({ ...first, duplicate: true })
    expect(first.position).toEqual({ epoch: position.epoch, offset: position.offset + 1 })
    expect(received).toEqual(['local'])
    expect(await broker.claimOnce('ticket:n2', 1000)).toBe(true)
    expect(await broker.claimOnce('ticket:n2', 1000)).toBe(false)
    broker.registerSession('s_3', () => ({ accepted: true }))
    expect(await broker.routeToSession('s_3', envelope)).toEqual({ accepted: true })
    expect(await broker.routeToSession('s_elsewhere', envelope)).toMatchObject({ accepted: false, status: 503, error: { code: 'INTERNAL' } })
  })

  it('fails publishes but still answers subscribes and claims while Redis hangs', async () => {
    const broker = await replica({ commandTimeoutMs: 200, log: () => {} })
    const before = await broker.publish({ channel: 'board:11', event: 'move', data: 1 })
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL')
    await expect(broker.publish({ channel: 'board:11', event: 'move', data: 2 })).rejects.toThrow(/timed out/)
    const history = await broker.history('board:11', before.position)
    expect(history.recovered).toBe(false)
    expect(history.position.epoch).not.toBe(before.position.epoch)
    expect(await broker.claimOnce('ticket:n3', 10_000)).toBe(true)
    expect(await broker.claimOnce('ticket:n3', 10_000)).toBe(false)
    await vi.waitFor(async () => expect((await broker.publish({ channel: 'board:11', event: 'move', data: 3 })).position.epoch).toBe(before.position.epoch), PATIENCE)
  })

  it('misses nothing and repeats nothing when a subscriber reads history while another replica publishes', async () => {
    const [reader, writer] = await Promise.all([replica(), replica()])
    const start = await writer.publish({ channel: 'board:7', event: 'move', data: 0 })
    let publishing = true
    const writes = (async () => {
      for (let n = 1; publishing && n <= 500; n++) await writer.publish({ channel: 'board:7', event: 'move', data: n })
    })()
    // The engine's order: live first (buffered), history second, then merge by offset.
    const live: Publication[] = []
    await reader.subscribe('board:7', (publication) => live.push(publication))
    const history = await reader.history('board:7', start.position)
    publishing = false
    await writes
    const last = (await writer.history('board:7')).position.offset
    await vi.waitFor(() => expect(live.at(-1)?.pos.offset).toBe(last), PATIENCE)
    const merged = [...history.publications, ...live.filter((publication) => publication.pos.offset > history.position.offset)]
    expect(merged.map((publication) => publication.pos.offset)).toEqual(Array.from({ length: last - 1 }, (_, index) => index + 2))
  })
})
