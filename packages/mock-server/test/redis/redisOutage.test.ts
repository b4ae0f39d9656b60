import { describe, expect, it, vi } from 'vitest'
import type { BrokerHealth, PublishOutcome } from '../../src/index'
import { healthOf, type Replica } from './support/replicas'
import { useReplicas } from './support/useReplicas'
import { PATIENCE, allowSlowMachines } from './support/patience'

allowSlowMachines()

const setup = useReplicas(2)
const { connect } = setup

describe('Redis outage', () => {
  it('keeps local delivery going while Redis is down, reports degraded, and resumes fan-out when it is back', async () => {
    const [a, b] = setup.replicas as [Replica, Replica]
    const onA = connect(a.server.url, 'websocket')
    const onB = connect(b.server.url, 'sse')
    const away = connect(b.server.url, 'websocket')
    await Promise.all([onA, onB, away].map((client) => client.join('leaderboard', 'score')))
    const healthOfA: BrokerHealth['status'][] = []
    a.broker.onHealthChange((health) => healthOfA.push(health.status))

    // Traffic through replica A the whole time; a publish caught mid-failure may reject, never crash.
    const outcomes = new Map<string, PublishOutcome>()
    let publishing = true
    let sent = 0
    const traffic = (async () => {
      while (publishing && sent < 2000) {
        const label = `a-${++sent}`
        await a.server.publish('leaderboard', 'score', label).then(
          (outcome) => outcomes.set(label, outcome),
          () => {},
        )
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    const sentBy = async (count: number) => {
      const target = sent + count
      await vi.waitFor(() => expect(sent).toBeGreaterThanOrEqual(target), PATIENCE)
    }
    await sentBy(10)
    const beforeOutage = (await a.broker.history('leaderboard')).position

    await setup.redis.kill()
    for (const { server } of [a, b]) expect((await healthOf(server, 'degraded')).reason).toMatch(/Redis unreachable/)
    expect(await (await fetch(`${a.server.url}/metrics`)).text()).toContain('lifeline_broker_degraded 1')
    away.client.disconnect()
    // New connections are still accepted, on both transports (the SSE ticket is claimed locally).
    const newcomers = [connect(a.server.url, 'websocket'), connect(a.server.url, 'sse')]
    await Promise.all(newcomers.map((client) => client.join('leaderboard', 'score')))
    const joinedAt = sent
    await sentBy(10)
    await b.server.publish('leaderboard', 'score', 'b-during-outage')
    const degradedOutcomes = () => [...outcomes].filter(([, outcome]) => outcome.position.epoch !== beforeOutage.epoch)
    // Local delivery continues: A's clients get A's publishes, B's clients get B's.
    await vi.waitFor(() => expect(degradedOutcomes().length).toBeGreaterThan(5), PATIENCE)
    await vi.waitFor(() => expect(onA.recording.app.get('leaderboard')).toEqual(expect.arrayContaining(degradedOutcomes().map(([label]) => label))), PATIENCE)
    await vi.waitFor(() => expect(onB.recording.app.get('leaderboard')).toContain('b-during-outage'), PATIENCE)
    expect(onA.recording.app.get('leaderboard')).not.toContain('b-during-outage')
    for (const newcomer of newcomers) await vi.waitFor(() => expect(newcomer.recording.app.get('leaderboard')).toContain(`a-${joinedAt + 2}`), PATIENCE)

    await setup.redis.restart()
    for (const { server } of [a, b]) await healthOf(server, 'ok')
    // Listeners also hear the reason change while degraded (connection lost, then refused).
    expect(healthOfA.filter((status, index) => status !== healthOfA[index - 1])).toEqual(['degraded', 'ok'])
    expect(await (await fetch(`${a.server.url}/metrics`)).text()).toContain('lifeline_broker_degraded 0')
    const resumedFrom = sent + 1
    await sentBy(10)
    publishing = false
    await traffic
    const resumed = Array.from({ length: sent - resumedFrom + 1 }, (_, index) => `a-${resumedFrom + index}`)
    // Fan-out is back: B's clients hear A's publishes again.
    await vi.waitFor(() => expect(onB.recording.app.get('leaderboard')).toEqual(expect.arrayContaining(resumed)), PATIENCE)

    // A client that was away through the restart asks for its old position: Redis lost that history.
    away.client.connect()
    await vi.waitFor(() => expect(away.recording.gaps).toHaveLength(1), PATIENCE)
    expect(away.recording.gaps[0]).toMatch(new RegExp(`^leaderboard ${beforeOutage.epoch}:`))
    expect(away.recording.recovered).toEqual([])
    await b.server.publish('leaderboard', 'score', 'welcome-back')
    await vi.waitFor(() => expect(away.recording.app.get('leaderboard')).toContain('welcome-back'), PATIENCE)

    for (const client of [onA, onB, away]) {
      const received = client.recording.app.get('leaderboard') as string[]
      expect(new Set(received).size).toBe(received.length)
      const fromA = received.filter((label) => label.startsWith('a-')).map((label) => Number(label.slice(2)))
      expect(fromA).toEqual([...fromA].sort((x, y) => x - y))
      expect(new Set(client.positions('leaderboard')).size).toBe(client.positions('leaderboard').length)
    }
    // Live clients saw the epoch change too, as a gap to refetch.
    expect(onA.recording.gaps.length).toBeGreaterThan(0)
  })
})
