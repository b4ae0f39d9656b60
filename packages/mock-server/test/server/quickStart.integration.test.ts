import { createServer, signToken, type MockServer } from '@lifeline/mock-server'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { WebSocket } from 'ws'

let server: MockServer

beforeEach(async () => {
  server = await createServer({ port: 0, jwtSecret: 'test-secret' })
})

afterEach(() => server.close())

it('delivers a server-side publish to a subscribed WebSocket client', async () => {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws`)
  const frames: { type: string; id?: number; data?: unknown }[] = []
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())))
  await new Promise((resolve) => socket.once('open', resolve))

  const token = await signToken({ secret: 'test-secret', sub: 'ada' })
  socket.send(JSON.stringify({ id: 1, type: 'connect', v: 1, token }))
  await server.connected()
  socket.send(JSON.stringify({ id: 2, type: 'subscribe', channel: 'user:ada' }))
  await expect.poll(() => frames.some((frame) => frame.id === 2)).toBe(true)

  await server.publish('user:ada', 'notification', { text: 'hi' })
  await expect.poll(() => frames.find((frame) => frame.type === 'message')).toMatchObject({ data: { text: 'hi' } })
  socket.close()
})
