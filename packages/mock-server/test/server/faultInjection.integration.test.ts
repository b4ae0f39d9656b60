import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { CloseCode, type DisconnectFrame, type MessageFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { request, requestTicket, SseClient, WsClient } from '@lifeline/testkit/raw'
import { eventually, mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('fault injection', () => {
  it('refuseWebSocket answers upgrades with 503 while SSE keeps working', async () => {
    const server = await startServer()
    server.faults.refuseWebSocket = true
    await expect(WsClient.open(server)).rejects.toThrow('upgrade refused with 503')
    const stream = await SseClient.connect(server, await mintToken('grace'))
    expect((await stream.command(server, 'ping', {})).ok).toBe(true)
    server.faults.refuseWebSocket = false
    await WsClient.connect(server, await mintToken('ada'))
  })

  it('survives clients that reset their socket once their upgrade was refused (a closed tab, a probe given up)', async () => {
    const server = await startServer()
    server.faults.refuseWebSocket = true
    for (let round = 0; round < 5; round++) {
      const socket = connect(server.port, '127.0.0.1')
      socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
      const [answer] = (await once(socket, 'data')) as [Buffer]
      expect(answer.toString()).toMatch(/^HTTP\/1\.1 503 /)
      // A reset, not a close: the server's half of the refused socket is still open.
      socket.resetAndDestroy()
      await once(socket, 'close')
    }
    expect((await request(server, '/healthz')).status).toBe(200)
    server.faults.refuseWebSocket = false
    await WsClient.connect(server, await mintToken('ada'))
  })

  it('silenceWebSocket accepts the upgrade, then passes nothing, and survives garbage on the silent socket', async () => {
    const server = await startServer({ maxFrameBytes: 1024 })
    server.faults.silenceWebSocket = true
    const silent = await WsClient.open(server)
    silent.send({ id: 1, type: 'connect', v: 1, token: await mintToken('ada') })
    silent.send('x'.repeat(10_000))
    server.faults.silenceWebSocket = false
    // A full round trip on a healthy socket, connect to pong, happens while the silent one hears nothing.
    const healthy = await WsClient.connect(server, await mintToken('grace'))
    expect((await healthy.command('ping', {})).ok).toBe(true)
    expect(silent.frames).toEqual([])
    expect(server.clients.map((client) => client.user)).toEqual(['grace'])
    expect(await stillServes(server)).toBe(true)
  })

  it('sseDelayMs holds SSE writes back at least that long, without reordering them when it changes', async () => {
    const server = await startServer()
    const stream = await SseClient.connect(server, await mintToken('grace'))
    await stream.command(server, 'subscribe', { channel: 'leaderboard' })
    server.faults.sseDelayMs = 300
    const publishedAt = performance.now()
    await server.publish('leaderboard', 'score', 1)
    server.faults.sseDelayMs = 0
    await server.publish('leaderboard', 'score', 2)
    const [first] = await stream.messagesOf('leaderboard', 1)
    // A lower bound only: a loaded machine makes it later, never earlier.
    expect(performance.now() - publishedAt).toBeGreaterThanOrEqual(290)
    expect(first!.data).toBe(1)
    const received = await stream.messagesOf('leaderboard', 2)
    expect(received.map((message: MessageFrame) => message.data)).toEqual([1, 2])
  })

  it('dropSse refuses new SSE streams with 503 and leaves open ones alone', async () => {
    const server = await startServer()
    const open = await SseClient.connect(server, await mintToken('grace'))
    server.faults.dropSse = true
    const ticket = (await requestTicket(server, await mintToken('ada'))).body.ticket as string
    const refused = await request(server, `/sse?ticket=${encodeURIComponent(ticket)}`)
    expect(refused.status).toBe(503)
    expect((await open.command(server, 'ping', {})).ok).toBe(true)
    server.faults.dropSse = false
    await SseClient.connect(server, await mintToken('ada'))
  })

  it('expireTokens() disconnects every live client with 4200', async () => {
    const server = await startServer()
    const socket = await WsClient.connect(server, await mintToken('ada'))
    const stream = await SseClient.connect(server, await mintToken('grace'))
    server.expireTokens()
    for (const client of [socket, stream]) {
      expect(await client.frame<DisconnectFrame>((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
    }
    expect((await socket.closed).code).toBe(CloseCode.TOKEN_EXPIRED)
    await stream.ended()
  })

  it("close() during a restart's downtime keeps the server closed", async () => {
    const server = await startServer()
    const restarting = server.restart({ downtimeMs: 500 })
    await eventually(() => expect(fetch(`${server.url}/healthz`)).rejects.toThrow())
    await server.close()
    await restarting
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })

  it('restart() shuts clients down with 4100 and retry advice, then serves again on the same URL', async () => {
    const server = await startServer()
    const url = server.url
    const socket = await WsClient.connect(server, await mintToken('ada'))
    const stream = await SseClient.connect(server, await mintToken('grace'))
    const restarting = server.restart({ downtimeMs: 500 })
    for (const client of [socket, stream]) {
      const disconnect = await client.frame<DisconnectFrame>((frame) => frame.type === 'disconnect', 'disconnect')
      expect(disconnect.code).toBe(CloseCode.SHUTDOWN)
      expect(disconnect.retryAfterMs).toBeGreaterThan(0)
    }
    expect((await socket.closed).code).toBe(CloseCode.SHUTDOWN)
    await eventually(() => expect(fetch(`${url}/healthz`)).rejects.toThrow())
    await restarting
    expect(server.url).toBe(url)
    const again = await WsClient.connect(server, await mintToken('ada'))
    expect((await again.command('subscribe', { channel: 'leaderboard' })).ok).toBe(true)
    await SseClient.connect(server, await mintToken('grace'))
    await server.connected({ count: 2 })
  })
})
