import { describe, expect, it, vi } from 'vitest'
import { startRedis } from '@lifeline/testkit/tools'
import type { UpstreamEnvelope } from '../../src/engine/index'
import { RedisBroker } from '../../src/redis/redisBroker'
import { PATIENCE, allowSlowMachines } from './support/patience'
import { useRedisBrokers } from './support/redisBrokers'

allowSlowMachines()

const redis = useRedisBrokers()
const { replica } = redis

const envelope: UpstreamEnvelope = { subject: 'ada', frame: { id: 1, type: 'ping' } }

describe('RedisBroker without Redis', () => {
  it('refuses publishes, subscribes, history reads, claims and kept values with UNAVAILABLE until it reaches Redis, then serves them', async () => {
    const late = await startRedis({ running: false })
    // Closed below, before its own redis-server stops.
    const broker = new RedisBroker({ url: late.url, reconnectMaxDelayMs: 100, log: () => {} })
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
    await redis.admin.call('CLIENT', 'PAUSE', '1500', 'ALL')
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

    await redis.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
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
})
