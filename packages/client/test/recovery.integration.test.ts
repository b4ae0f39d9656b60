import { MemoryBroker } from '@lifeline/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import type { Gap, Position, RealtimeClient } from '../src/index'
import { next, publishAll, received, sequence, startHarness, until, type Harness } from './support/harness'

let harness: Harness
afterEach(() => harness.close())

/** A connected client subscribed to `leaderboard`, recording what the app sees. */
async function subscribedClient() {
  const client = harness.client({ reconnectDelay: { minMs: 100, maxMs: 400 } })
  client.connect()
  await client.ready(15_000)
  const channel = client.channel('leaderboard')
  const scores = received(channel, 'score')
  const gaps: Gap[] = []
  const recovered: Position[] = []
  channel.onGap((gap) => gaps.push(gap))
  channel.onRecovered((position) => recovered.push(position))
  channel.subscribe()
  await next(channel.onState.bind(channel), (state) => state.status === 'subscribed')
  return { client, channel, scores, gaps, recovered }
}

/**
 * Cuts the client off: every transport refused and the live connection dropped. Resolves once the
 * client has failed `attempts` reconnects in a row, which makes it a real outage, not a blip.
 */
async function outage(client: RealtimeClient, attempts: number): Promise<() => void> {
  const { faults } = harness.server
  faults.refuseWebSocket = faults.dropSse = faults.dropPoll = true
  harness.server.disconnectAll({ code: 4000 })
  await until(() => client.getSnapshot().attempt >= attempts, 20_000, `${attempts} failed attempts`)
  return () => {
    faults.refuseWebSocket = faults.dropSse = faults.dropPoll = false
  }
}

describe('recovery after a disconnect', () => {
  it('delivers the 200 messages published during an outage once, in order, then `recovered`', { timeout: 60_000 }, async () => {
    harness = await startHarness()
    const { client, scores, gaps, recovered } = await subscribedClient()
    await publishAll(harness.server, 'leaderboard', 'score', sequence(10))
    await until(() => scores.length === 10, 10_000, 'the first 10 messages')
    // A short but real outage (several failed attempts over about a second) stands in for the
    // 5 s of the scenario: what is proved, replay from history on resubscribe, is the same.
    const restore = await outage(client, 3)
    await publishAll(harness.server, 'leaderboard', 'score', sequence(200, 11))
    restore()
    await until(() => scores.length >= 210, 20_000, 'the 200 missed messages')
    await publishAll(harness.server, 'leaderboard', 'score', [211])
    await until(() => scores.length >= 211, 10_000, 'a live message after recovery')
    expect(scores).toEqual(sequence(211))
    expect(recovered).toHaveLength(1)
    expect(gaps).toEqual([])
  })

  it('emits `gap` when the history no longer holds what was missed, never a silent hole', { timeout: 60_000 }, async () => {
    harness = await startHarness({ broker: new MemoryBroker({ historySize: 20 }) })
    const { client, scores, gaps, recovered } = await subscribedClient()
    await publishAll(harness.server, 'leaderboard', 'score', sequence(5))
    await until(() => scores.length === 5, 10_000, 'the first 5 messages')
    const restore = await outage(client, 2)
    await publishAll(harness.server, 'leaderboard', 'score', sequence(50, 6))
    restore()
    const gap = await next<Gap>((handler) => client.channel('leaderboard').onGap(handler))
    expect(gap.from.offset).toBe(5)
    expect(gap.to.offset).toBe(55)
    await publishAll(harness.server, 'leaderboard', 'score', [56])
    await until(() => scores.length >= 6, 10_000, 'a live message after the gap')
    expect(scores).toEqual([...sequence(5), 56])
    expect(gaps).toHaveLength(1)
    expect(recovered).toEqual([])
  })
})
