import { RealtimeClient } from '@lifeline/client'
import { createMswHandlers, DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'

// msw patches the global WebSocket (Node 22 has one, Node 20 does not), and the client's SSE
// transport needs a global EventSource; the `eventsource` package reads through fetch, which msw intercepts.
vi.stubGlobal('WebSocket', globalThis.WebSocket ?? WebSocket)
vi.stubGlobal('EventSource', globalThis.EventSource ?? EventSource)

const realtime = createMswHandlers({ url: 'http://realtime.test' })
const network = setupServer(...realtime.handlers)
const clients: RealtimeClient[] = []

function connectAs(sub: string): RealtimeClient {
  const client = new RealtimeClient({ url: realtime.url, getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub }), storage: null })
  clients.push(client)
  client.connect()
  return client
}

beforeAll(() => network.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect()
  realtime.faults.refuseWebSocket = false
})
afterAll(async () => {
  await realtime.close()
  network.close()
  vi.unstubAllGlobals()
})

it('shows scores as the server publishes them', async () => {
  const client = connectAs('ada')
  const scores: unknown[] = []
  client.channel('leaderboard').on('score', (score) => scores.push(score))
  client.channel('leaderboard').subscribe()

  await expect.poll(() => realtime.clients[0]?.channels).toEqual(['leaderboard'])
  await realtime.publish('leaderboard', 'score', { user: 'ada', points: 3 })

  await expect.poll(() => scores).toEqual([{ user: 'ada', points: 3 }])
})

it('moves cards for everyone on the board, over SSE when WebSocket is blocked', async () => {
  realtime.faults.refuseWebSocket = true
  const ada = connectAs('ada')
  const bob = connectAs('bob')
  const seenByBob: unknown[] = []
  bob.channel('board:7').on('card_moved', (move) => seenByBob.push(move))
  bob.channel('board:7').subscribe()
  await expect.poll(() => bob.channel('board:7').state.status).toBe('subscribed')

  const reply = await ada.channel('board:7').publish('card_moved', { card: 'c1', to: 'done' })

  expect(reply.duplicate).toBe(false)
  expect(ada.getSnapshot().transport).toBe('sse')
  await expect.poll(() => seenByBob).toEqual([{ card: 'c1', to: 'done' }])
})
