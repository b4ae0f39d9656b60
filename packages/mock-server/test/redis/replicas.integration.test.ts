import { describe, expect, it, vi } from 'vitest'
import { publishApi, type Replica } from './support/replicas'
import { useReplicas } from './support/useReplicas'
import { PATIENCE, allowSlowMachines } from './support/patience'

allowSlowMachines()

const setup = useReplicas(3)
const { connect } = setup

const numbered = (count: number, from = 1) => Array.from({ length: count }, (_, index) => from + index)

describe('three replicas on one Redis', () => {
  it('gives every client every message of its channels exactly once, in order, over both transports', async () => {
    const everyone = setup.replicas.flatMap(({ server }) => [connect(server.url, 'websocket'), connect(server.url, 'sse')])
    await Promise.all(everyone.flatMap((client) => [client.join('board:1', 'move'), client.join('leaderboard', 'score')]))

    // Publishes through every replica at once: the server API, the HTTP publish API, and clients.
    const board: Promise<unknown>[] = []
    const scores: Promise<unknown>[] = []
    for (let n = 1; n <= 10; n++) {
      setup.replicas.forEach(({ server }, index) => {
        board.push(server.publish('board:1', 'move', { from: `server-${index}`, n }))
        board.push(publishApi(server, { channel: 'board:1', event: 'move', data: { from: `api-${index}`, n } }))
        scores.push(server.publish('leaderboard', 'score', { from: `server-${index}`, n }))
      })
      everyone.forEach(({ client }, index) => board.push(client.channel('board:1').publish('move', { from: `client-${index}`, n })))
    }
    await Promise.all([...board, ...scores])

    for (const [channel, count] of [['board:1', board.length], ['leaderboard', scores.length]] as const) {
      await vi.waitFor(() => {
        for (const client of everyone) expect(client.recording.app.get(channel)).toHaveLength(count)
      }, PATIENCE)
      const order = everyone[0]!.recording.app.get(channel)!
      expect(new Set(order.map((data) => JSON.stringify(data))).size).toBe(count)
      for (const client of everyone) {
        // On the wire, not only after the client's dedup: offsets 1…count, each once.
        expect(client.positions(channel).map((position) => Number(position.split(':')[1]))).toEqual(numbered(count))
        expect(client.recording.app.get(channel)).toEqual(order)
      }
    }
    for (const client of everyone) expect(client.recording.gaps).toEqual([])
  })

  it('delivers a publish retried through another replica with the same key once', async () => {
    const watcher = connect(setup.replicas[2]!.server.url, 'websocket')
    await watcher.join('board:9', 'move')
    const first = await publishApi(setup.replicas[0]!.server, { channel: 'board:9', event: 'move', data: 'once', key: 'retry-1' })
    const retry = await publishApi(setup.replicas[1]!.server, { channel: 'board:9', event: 'move', data: 'once', key: 'retry-1' })
    await setup.replicas[1]!.server.publish('board:9', 'move', 'after')
    expect(retry).toEqual({ ...(first as object), duplicate: true })
    await vi.waitFor(() => expect(watcher.recording.app.get('board:9')).toEqual(['once', 'after']), PATIENCE)
  })

  it('serves an SSE client whose upstream POSTs reach a different replica than its stream', async () => {
    const [holder, router, other] = setup.replicas.map(({ server }) => server) as [Replica['server'], Replica['server'], Replica['server']]
    const balancer = await setup.loadBalancer((request) => (request.url?.startsWith('/sse/send') ? router.port : holder.port))
    const client = connect(balancer.url, 'sse')
    await client.join('board:2', 'move')
    const reply = await client.client.channel('board:2').publish('move', { card: 'c1' })
    await other.publish('board:2', 'move', { card: 'c2' })
    await vi.waitFor(() => expect(client.recording.app.get('board:2')).toEqual([{ card: 'c1' }, { card: 'c2' }]), PATIENCE)
    expect(reply).toMatchObject({ position: { offset: 1 }, duplicate: false })
    expect(holder.clients.map((info) => info.transport)).toEqual(['sse'])
    expect(router.clients).toEqual([])
    // The subscribe and the publish both went upstream through the other replica.
    expect(balancer.forwarded.filter((line) => line.endsWith('/sse/send'))).toEqual([`${router.port} POST /sse/send`, `${router.port} POST /sse/send`])
  })

  it('moves a client whose replica stopped to another one, resuming from its position without loss or repeat', async () => {
    const [doomed, survivor, publisher] = setup.replicas as [Replica, Replica, Replica]
    let backend = doomed.server.port
    const balancer = await setup.loadBalancer(() => backend)
    const movers = [connect(balancer.url, 'websocket'), connect(balancer.url, 'sse')]
    await Promise.all(movers.map((client) => client.join('board:3', 'move')))

    let published = 0
    let publishing = true
    // Publishes until told to stop. The bound is far above what the move needs on a busy machine
    // (400 used to run out before a slow move finished, so the wait below could never pass) and
    // stays inside the channel's history of 1 000.
    const traffic = (async () => {
      while (publishing && published < 900) {
        await publisher.server.publish('board:3', 'move', ++published)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    await vi.waitFor(() => expect(published).toBeGreaterThan(20), PATIENCE)
    backend = survivor.server.port
    await doomed.stop()
    await vi.waitFor(() => expect(survivor.server.clients).toHaveLength(2), PATIENCE)
    await vi.waitFor(() => {
      for (const client of movers) expect(client.recording.recovered).toHaveLength(1)
    }, PATIENCE)
    const afterMove = published
    await vi.waitFor(() => expect(published).toBeGreaterThan(afterMove + 20), PATIENCE)
    publishing = false
    await traffic

    for (const client of movers) {
      await vi.waitFor(() => expect(client.recording.app.get('board:3')).toHaveLength(published), PATIENCE)
      expect(client.recording.app.get('board:3')).toEqual(numbered(published))
      expect(client.positions('board:3').map((position) => Number(position.split(':')[1]))).toEqual(numbered(published))
      expect(client.recording.gaps).toEqual([])
    }
  })
})
