import type { Position } from '@lifeline/protocol'
import { describe, expect, it, vi } from 'vitest'
import type { BrokerHealth } from '../../src/index'
import { PATIENCE, allowSlowMachines } from './support/patience'
import { API_KEY, healthOf, type Replica } from './support/replicas'
import type { RecordingClient } from './support/recordingClient'
import { useReplicas } from './support/useReplicas'

allowSlowMachines()

const setup = useReplicas(2)
const { connect } = setup

const CHANNEL = 'leaderboard'
const same = (a: Position, b: Position) => a.epoch === b.epoch && a.offset === b.offset

/** `POST /publish` as a backend would, answering the HTTP status and the body. */
async function publishOverHttp(replica: Replica, label: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${replica.server.url}/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: CHANNEL, event: 'score', data: label, key: label }),
  })
  return { status: response.status, body: await response.json() }
}

/** Each client's account of the acknowledged publishes: delivered once and in order, or inside its gap. */
function expectNoSilentLoss(client: RecordingClient, acknowledged: Map<string, Position>): void {
  const labels = client.recording.app.get(CHANNEL) as string[]
  const positions = client.recording.appPositions.get(CHANNEL)!
  const gaps = client.recording.gapSpans.get(CHANNEL)!
  expect(new Set(labels).size, 'duplicated').toBe(labels.length)
  for (let index = 1; index < positions.length; index++) {
    const [before, after] = [positions[index - 1]!, positions[index]!]
    if (before.epoch === after.epoch) expect(after.offset, 'reordered').toBeGreaterThan(before.offset)
  }
  const silent = [...acknowledged].filter(
    ([label, at]) => !labels.includes(label) && !gaps.some(({ from, to }) => (at.epoch === from.epoch && at.offset > from.offset) || (at.epoch === to.epoch && at.offset <= to.offset)),
  )
  expect(silent, 'acknowledged, not delivered, and in no gap').toEqual([])
  // Nothing acknowledged pairs a label with another position than the one the client got.
  for (const [index, label] of labels.entries()) if (acknowledged.has(label)) expect(same(acknowledged.get(label)!, positions[index]!)).toBe(true)
}

describe('Redis outage', () => {
  it('refuses publishes while Redis is away, tells subscribers their subscription ended, and after it is back every client has every acknowledged message or one gap over it', async () => {
    const [a, b] = setup.replicas as [Replica, Replica]
    const clients = [connect(a.server.url, 'websocket'), connect(a.server.url, 'sse'), connect(b.server.url, 'websocket'), connect(b.server.url, 'sse')]
    await Promise.all(clients.map((client) => client.join(CHANNEL, 'score')))
    const healthOfA: BrokerHealth['status'][] = []
    a.broker.onHealthChange((health) => healthOfA.push(health.status))

    // Traffic through both replicas the whole time, each label retried with its key until acknowledged,
    // every attempt through the other entry than the one before.
    const acknowledged = new Map<string, Position>()
    const refused: string[] = []
    let publishing = true
    let sent = 0
    let attempts = 0
    const traffic = (async () => {
      while (publishing && sent < 2000) {
        const label = `m${++sent}`
        for (let attempt = 0; publishing && attempt < 5000 && !acknowledged.has(label); attempt++) {
          if (++attempts % 2) {
            await a.server.publish(CHANNEL, 'score', label, label).then(
              (outcome) => acknowledged.set(label, outcome.position),
              (error: { code?: string }) => refused.push(String(error.code)),
            )
          } else {
            const answer = await publishOverHttp(b, label)
            if (answer.status === 200) acknowledged.set(label, answer.body.position)
            else refused.push(`${answer.status} ${answer.body.error.code}`)
          }
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }
    })()
    const ackedMore = async (count: number) => {
      const target = acknowledged.size + count
      await vi.waitFor(() => expect(acknowledged.size).toBeGreaterThanOrEqual(target), PATIENCE)
    }
    await ackedMore(10)
    const beforeOutage = [...acknowledged.values()][0]!

    await setup.redis.kill()
    for (const { server } of [a, b]) expect((await healthOf(server, 'degraded')).reason).toMatch(/Redis unreachable/)
    expect(await (await fetch(`${a.server.url}/metrics`)).text()).toContain('lifeline_broker_degraded 1')
    // Publishes are refused on both, never acknowledged: nobody on the other replica would get them.
    await vi.waitFor(() => expect(refused).toEqual(expect.arrayContaining(['UNAVAILABLE', '503 UNAVAILABLE'])), PATIENCE)
    const acknowledgedDuringOutage = acknowledged.size
    // Every subscriber is told its subscription ended; its channel keeps trying, showing why.
    await vi.waitFor(() => {
      for (const client of clients) {
        expect(client.recording.unsubscribed).toEqual([`${CHANNEL} UNAVAILABLE`])
        expect(client.client.channel(CHANNEL).state).toMatchObject({ status: 'subscribing', error: { code: 'UNAVAILABLE' } })
      }
    }, PATIENCE)
    // A newcomer connects (WebSocket needs no Redis), but its subscribe is refused until Redis is back.
    const newcomer = connect(a.server.url, 'websocket')
    const joined = newcomer.join(CHANNEL, 'score')
    await vi.waitFor(() => expect(newcomer.client.channel(CHANNEL).state.error?.code).toBe('UNAVAILABLE'), PATIENCE)
    expect(acknowledged.size).toBe(acknowledgedDuringOutage)

    await setup.redis.restart()
    for (const { server } of [a, b]) await healthOf(server, 'ok')
    expect(healthOfA.filter((status, index) => status !== healthOfA[index - 1])).toEqual(['degraded', 'ok'])
    await joined
    await ackedMore(10)
    publishing = false
    await traffic

    const afterOutage = [...acknowledged].filter(([, at]) => at.epoch !== beforeOutage.epoch)
    expect(afterOutage.length).toBeGreaterThanOrEqual(10)
    // Redis came back empty: the new epoch is replayed whole, so everything after the outage arrives.
    await vi.waitFor(() => {
      for (const client of clients) expect(client.recording.app.get(CHANNEL)).toEqual(expect.arrayContaining(afterOutage.map(([label]) => label)))
    }, PATIENCE)
    // The newcomer starts at its subscription's cursor (its subscribe reply's position): it gets
    // exactly the messages after it, in order. Not "what was acknowledged after the subscribe was":
    // a publish stored just before the cursor can be acknowledged just after the subscribe.
    expect(newcomer.recording.cursors.get(CHANNEL)).toHaveLength(1)
    const cursor = newcomer.recording.cursors.get(CHANNEL)![0]!
    const afterCursor = [...acknowledged]
      .filter(([, at]) => at.epoch === cursor.epoch && at.offset > cursor.offset)
      .sort(([, x], [, y]) => x.offset - y.offset)
      .map(([label]) => label)
    // Ten were acknowledged after the subscribe; publishes go one at a time, so at most the one in flight was stored before the cursor.
    expect(afterCursor.length).toBeGreaterThanOrEqual(9)
    await vi.waitFor(() => expect(newcomer.recording.app.get(CHANNEL)).toEqual(afterCursor), PATIENCE)
    for (const client of clients) {
      expectNoSilentLoss(client, acknowledged)
      // One gap for the outage (the old epoch is gone), not one per message or per replica.
      expect(client.recording.gapSpans.get(CHANNEL)).toHaveLength(1)
      expect(client.recording.gapSpans.get(CHANNEL)![0]!.from.epoch).toBe(beforeOutage.epoch)
    }
    // The newcomer never had a position of the lost epoch: no gap at all.
    expect(newcomer.recording.gaps).toEqual([])
  })
})
