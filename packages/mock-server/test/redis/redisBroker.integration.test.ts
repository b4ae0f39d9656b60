import type { Position } from '@lifeline/protocol'
import { describe, expect, it, vi } from 'vitest'
import type { Publication } from '../../src/engine/index'
import { RedisBroker } from '../../src/redis/redisBroker'
import { PATIENCE, allowSlowMachines } from './support/patience'
import { useRedisBrokers } from './support/redisBrokers'

allowSlowMachines()

const redis = useRedisBrokers()
const { replica } = redis

describe('RedisBroker publishing and history', () => {
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
    await redis.admin.flushall()
    const after = await broker.publish({ channel: 'board:5', event: 'move', data: 2 })
    expect(after.position.epoch).not.toBe(before.position.epoch)
    expect(after.position.offset).toBe(1)
    expect(await broker.history('board:5', before.position)).toMatchObject({ position: after.position, recovered: false })
  })

  it('keeps publishing in a new epoch when only the position key was evicted', async () => {
    const broker = await replica()
    const before = await broker.publish({ channel: 'board:8', event: 'move', data: 1 })
    await broker.publish({ channel: 'board:8', event: 'move', data: 2 })
    await redis.admin.del('lifeline:{board:8}:meta')
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
    await redis.admin.flushall()
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
