import { RealtimeClient } from '@lifeline/client'
import { createServer, DEFAULT_JWT_SECRET, signToken, type MockServer } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'

vi.setConfig({ testTimeout: 30_000 }) // real sockets: be generous on a loaded CI machine

let server: MockServer
let client: RealtimeClient

beforeEach(async () => {
  server = await createServer({ port: 0 }) // a free port; server.url says which
  client = new RealtimeClient({
    url: server.url,
    // Node has no EventSource (and Node 20 no WebSocket): pass the packages' constructors.
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
    getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada', roles: ['student'] }),
    storage: null, // no blocked-WebSocket memory carried from one test to the next
  })
})

afterEach(async () => {
  client.disconnect()
  await server.close()
})

it('shows scores as the server publishes them', async () => {
  const scores: unknown[] = []
  client.channel('leaderboard').on('score', (score) => scores.push(score))
  client.channel('leaderboard').subscribe()
  client.connect()

  await expect.poll(() => server.clients[0]?.channels).toEqual(['leaderboard'])
  await server.publish('leaderboard', 'score', { user: 'ada', points: 3 })

  await expect.poll(() => scores).toEqual([{ user: 'ada', points: 3 }])
})

it('keeps working when a proxy refuses WebSocket', async () => {
  server.faults.refuseWebSocket = true
  client.connect()
  await client.ready(10_000)
  expect(client.getSnapshot().transport).toBe('sse')
})

it('asks the app to refetch when a server restart lost the history', async () => {
  const refetch = vi.fn()
  client.channel('leaderboard').onGap(refetch)
  client.channel('leaderboard').subscribe()
  client.connect()
  await expect.poll(() => client.channel('leaderboard').state.status).toBe('subscribed')
  await server.publish('leaderboard', 'score', { user: 'ada', points: 3 })

  await server.restart() // the in-memory history is gone: a new epoch

  await expect.poll(() => refetch.mock.calls.length, { timeout: 15_000 }).toBe(1)
})
