import { CloseCode } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { SseClient, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('test helpers', () => {
  it('connected() resolves once the given number of clients completed the handshake', async () => {
    const server = await startServer()
    const waiting = server.connected({ count: 2 })
    await WsClient.connect(server, await mintToken('ada'))
    await SseClient.connect(server, await mintToken('grace'))
    const clients = await waiting
    expect(clients.map(({ transport, user }) => ({ transport, user }))).toEqual([
      { transport: 'websocket', user: 'ada' },
      { transport: 'sse', user: 'grace' },
    ])
  })

  it('clients lists each connection with its channels, and disconnect() closes one with a code', async () => {
    const server = await startServer()
    const ada = await WsClient.connect(server, await mintToken('ada'))
    const grace = await WsClient.connect(server, await mintToken('grace'))
    await ada.command('subscribe', { channel: 'leaderboard' })
    await ada.command('subscribe', { channel: 'user:ada' })
    expect(server.clients.find((client) => client.user === 'ada')?.channels).toEqual(['leaderboard', 'user:ada'])
    server.clients.find((client) => client.user === 'ada')!.disconnect(CloseCode.FORBIDDEN, 'banned')
    expect(await ada.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.FORBIDDEN, reason: 'banned' })
    expect((await ada.closed).code).toBe(CloseCode.FORBIDDEN)
    expect(server.clients.map((client) => client.user)).toEqual(['grace'])
    expect((await grace.command('ping', {})).ok).toBe(true)
  })

  it('publish() delivers to subscribers of both transports', async () => {
    const server = await startServer()
    const socket = await WsClient.connect(server, await mintToken('ada'))
    const stream = await SseClient.connect(server, await mintToken('grace'))
    await socket.command('subscribe', { channel: 'broadcasts' })
    await stream.command(server, 'subscribe', { channel: 'broadcasts' })
    const outcome = await server.publish('broadcasts', 'news', { n: 1 })
    for (const client of [socket, stream]) expect((await client.messagesOf('broadcasts', 1))[0]).toMatchObject({ data: { n: 1 }, pos: outcome.position })
  })

  it('disconnectAll() sends the code and retry advice to every client on both transports', async () => {
    const server = await startServer()
    const socket = await WsClient.connect(server, await mintToken('ada'))
    const stream = await SseClient.connect(server, await mintToken('grace'))
    server.disconnectAll({ code: CloseCode.SHUTDOWN, reason: 'maintenance', retryAfterMs: 500 })
    for (const client of [socket, stream]) {
      expect(await client.frame((frame) => frame.type === 'disconnect', 'disconnect')).toEqual({ type: 'disconnect', code: CloseCode.SHUTDOWN, reason: 'maintenance', retryAfterMs: 500 })
    }
    expect((await socket.closed).code).toBe(CloseCode.SHUTDOWN)
    await stream.ended()
    expect(server.clients).toEqual([])
  })

  it('refuses a close code WebSocket cannot send with a TypeError, before disconnecting anyone', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    expect(() => server.disconnectAll({ code: 1006 })).toThrow(TypeError)
    expect(() => server.clients[0]!.disconnect(2000)).toThrow(TypeError)
    expect((await client.command('ping', {})).ok).toBe(true)
    expect(server.clients).toHaveLength(1)
  })

  it('close() is idempotent', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    await Promise.all([server.close(), server.close()])
    await server.close()
    expect((await client.closed).code).toBe(CloseCode.SHUTDOWN)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})
