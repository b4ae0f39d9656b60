import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import type { UpstreamEnvelope } from '../../src/engine/index'
import { PATIENCE, allowSlowMachines } from './support/patience'
import { useRedisBrokers } from './support/redisBrokers'

allowSlowMachines()

const redis = useRedisBrokers()
const { replica } = redis

const envelope: UpstreamEnvelope = { subject: 'ada', frame: { id: 1, type: 'ping' } }

describe('RedisBroker routing, claims and kept values', () => {
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

  it('keeps a value for one take, on any replica, until it expires', async () => {
    const [a, b] = await Promise.all([replica(), replica()])
    await a.keep('ticket:t1', 'grant-1', 10_000)
    expect(await b.take('ticket:t1')).toBe('grant-1')
    expect(await a.take('ticket:t1')).toBeUndefined()
    await a.keep('ticket:t2', 'grant-2', 50)
    await vi.waitFor(async () => expect(await redis.admin.exists('lifeline:kept:ticket:t2')).toBe(0), PATIENCE)
    expect(await b.take('ticket:t2')).toBeUndefined()
  })
})
