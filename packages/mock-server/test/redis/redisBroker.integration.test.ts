import type { Position } from '@lifeline/protocol'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import type { Publication, UpstreamEnvelope } from '../../src/engine/index'
import { RedisBroker, type RedisBrokerOptions } from '../../src/redis/redisBroker'
import { PATIENCE, allowSlowMachines } from './support/patience'

allowSlowMachines()

let redis: RedisServer
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
    // The old epoch's history went with it (not recovered); the new epoch is replayed from its start.
    const history = await broker.history('board:8', before.position)
    expect(history).toMatchObject({ recovered: false, position: after.position, replayFrom: { epoch: after.position.epoch, offset: 0 } })
    expect(history.publications.map((publication) => [publication.pos, publication.data])).toEqual([[after.position, 3]])
  })

  it('replays the whole new epoch to a position of the epoch Redis lost, from any replica, while history holds it from offset 1', async () => {
    const [a, b] = await Promise.all([replica(), replica({ historySize: 2 })])
    const before = await a.publish({ channel: 'board:12', event: 'move', data: 0 })
    await admin.flushall()
    const after = [1, 2].map((n) => ({ n }))
    const positions: Position[] = []
    for (const data of after) positions.push((await a.publish({ channel: 'board:12', event: 'move', data })).position)
    const history = await b.history('board:12', before.position)
    expect(history).toMatchObject({ recovered: false, position: positions[1], replayFrom: { epoch: positions[0]!.epoch, offset: 0 } })
    expect(history.publications.map((publication) => [publication.pos, publication.data])).toEqual([[positions[0], after[0]], [positions[1], after[1]]])
    // Once offset 1 is trimmed (b keeps 2 messages), the new epoch is no longer whole: only the gap.
    await b.publish({ channel: 'board:12', event: 'move', data: 3 })
    expect(await b.history('board:12', before.position)).toEqual({ recovered: false, position: { epoch: positions[0]!.epoch, offset: 3 }, publications: [] })
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
      expect(await a.routeToSession('s_unknown', envelope)).toMatchObject({ accepted: false, status: 503, error: { code: 'UNAVAILABLE' } })
    } finally {
      mute.disconnect()
    }
  })

  it('refuses publishes, subscribes, history reads, claims and kept values with UNAVAILABLE until it reaches Redis, then serves them', async () => {
    const late = await startRedis({ running: false })
    const broker = new RedisBroker({ url: late.url, reconnectMaxDelayMs: 100, log: () => {} })
    brokers.push(broker)
    expect(broker.health()).toEqual({ status: 'degraded', reason: expect.any(String) })
    const refusals = await Promise.allSettled([
      broker.publish({ channel: 'board:10', event: 'move', data: 'early', key: 'k' }),
      broker.subscribe('board:10', () => {}),
      broker.history('board:10'),
      broker.claimOnce('ticket:n2', 1000),
      broker.keep('ticket:n2', 'grant', 1000),
      broker.take('ticket:n2'),
    ])
    for (const refusal of refusals) expect(refusal).toMatchObject({ status: 'rejected', reason: { name: 'RefusedError', code: 'UNAVAILABLE' } })
    // Its own sessions still take upstream commands; others' cannot be reached without Redis.
    broker.registerSession('s_3', () => ({ accepted: true }))
    expect(await broker.routeToSession('s_3', envelope)).toEqual({ accepted: true })
    expect(await broker.routeToSession('s_elsewhere', envelope)).toMatchObject({ accepted: false, status: 503, error: { code: 'UNAVAILABLE' } })

    await late.start()
    try {
      await broker.ready()
      // Nothing of the refused publish was kept anywhere: the retry is the first.
      expect(await broker.publish({ channel: 'board:10', event: 'move', data: 'early', key: 'k' })).toMatchObject({ position: { offset: 1 }, duplicate: false })
      expect(await broker.claimOnce('ticket:n2', 1000)).toBe(true)
    } finally {
      await broker.close()
      await late.kill()
    }
  })

  it('refuses with UNAVAILABLE while Redis hangs, and publishes in the same epoch once it answers again', async () => {
    const broker = await replica({ commandTimeoutMs: 200, log: () => {} })
    const before = await broker.publish({ channel: 'board:11', event: 'move', data: 1 })
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL')
    await expect(broker.publish({ channel: 'board:11', event: 'move', data: 2, key: 'k-11' })).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect(broker.history('board:11', before.position)).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect(broker.claimOnce('ticket:n3', 10_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    // The retry with the same key settles whether the refused publish was stored after all.
    const retried = await vi.waitFor(() => broker.publish({ channel: 'board:11', event: 'move', data: 2, key: 'k-11' }), PATIENCE)
    expect(retried.position).toEqual({ epoch: before.position.epoch, offset: 2 })
    const history = await broker.history('board:11', before.position)
    expect(history.publications.map((publication) => publication.data)).toEqual([2])
  })

  it('ends every local subscription when its pub/sub connection drops; subscribing again recovers what was published meanwhile', async () => {
    const [reader, writer] = await Promise.all([replica({ reconnectMaxDelayMs: 100, log: () => {} }), replica()])
    const received: unknown[] = []
    const ended: unknown[] = []
    await reader.subscribe('board:13', (publication) => received.push(publication.data), (error) => ended.push(error))
    const first = await writer.publish({ channel: 'board:13', event: 'move', data: 1 })
    await vi.waitFor(() => expect(received).toEqual([1]), PATIENCE)

    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    await vi.waitFor(() => expect(ended).toEqual([{ code: 'UNAVAILABLE', message: expect.any(String) }]), PATIENCE)
    // What the writer's replica publishes now reaches nobody on the reader's: only history has it.
    const missed = await vi.waitFor(() => writer.publish({ channel: 'board:13', event: 'move', data: 2 }), PATIENCE)
    await reader.ready()
    await reader.subscribe('board:13', (publication) => received.push(publication.data))
    const history = await reader.history('board:13', first.position)
    expect(history).toMatchObject({ recovered: true, position: missed.position })
    expect(history.publications.map((publication) => publication.data)).toEqual([2])
    expect(received).toEqual([1])
  })

  it('scopes idempotency keys per publisher: the same key of another publisher is a new publish', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    const received: unknown[] = []
    await b.subscribe('board:14', (publication) => received.push(publication.data))
    const ada = await a.publish({ channel: 'board:14', event: 'move', data: 'ada', key: 'k-1', publisher: 'user:ada' })
    const mallory = await b.publish({ channel: 'board:14', event: 'move', data: 'mallory', key: 'k-1', publisher: 'user:mallory' })
    const retry = await b.publish({ channel: 'board:14', event: 'move', data: 'ada', key: 'k-1', publisher: 'user:ada' })
    expect(mallory).toMatchObject({ position: { offset: 2 }, duplicate: false })
    expect(retry).toEqual({ position: ada.position, duplicate: true })
    await vi.waitFor(() => expect(received).toEqual(['ada', 'mallory']), PATIENCE)
  })

  it('keeps a value for one take, on any replica, until it expires', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    await a.keep('ticket:t1', 'grant-1', 10_000)
    expect(await b.take('ticket:t1')).toBe('grant-1')
    expect(await a.take('ticket:t1')).toBeUndefined()
    await a.keep('ticket:t2', 'grant-2', 50)
    await vi.waitFor(async () => expect(await admin.exists('lifeline:kept:ticket:t2')).toBe(0), PATIENCE)
    expect(await b.take('ticket:t2')).toBeUndefined()
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
