// A consumer's unit test: the client against the MSW handlers, in Node, from the tarballs.
import { RealtimeClient } from '@lifeline/client'
import { createMswHandlers, DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server/msw'
import { EventSource } from 'eventsource'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'

vi.stubGlobal('WebSocket', globalThis.WebSocket ?? WebSocket)
vi.stubGlobal('EventSource', globalThis.EventSource ?? EventSource)

const realtime = createMswHandlers({ url: 'https://rt.example.com' })
const network = setupServer(...realtime.handlers)

beforeAll(() => network.listen({ onUnhandledRequest: 'error' }))
afterAll(async () => {
  await realtime.close()
  network.close()
})

it('receives what the server publishes, once and in order', async () => {
  const client = new RealtimeClient({ url: 'wss://rt.example.com', getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada' }), storage: null })
  const scores: unknown[] = []
  client.channel('leaderboard').on('score', (score) => scores.push(score))
  client.channel('leaderboard').subscribe()
  client.connect()
  await vi.waitFor(() => expect(realtime.clients[0]?.channels).toEqual(['leaderboard']), { timeout: 10_000 })
  for (const points of [1, 2, 3]) await realtime.publish('leaderboard', 'score', { points })
  await vi.waitFor(() => expect(scores).toEqual([{ points: 1 }, { points: 2 }, { points: 3 }]), { timeout: 10_000 })
  client.disconnect()
})

it('falls back to SSE when WebSocket is refused', async () => {
  realtime.faults.refuseWebSocket = true
  const client = new RealtimeClient({ url: 'https://rt.example.com', getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub: 'bob' }), storage: null })
  client.connect()
  await client.ready(10_000)
  expect(client.getSnapshot().transport).toBe('sse')
  client.disconnect()
})
