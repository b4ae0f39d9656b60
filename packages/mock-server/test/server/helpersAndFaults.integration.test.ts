import { CloseCode, type DisconnectFrame, type MessageFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { request, requestTicket, SseClient, WsClient } from '@lifeline/testkit/raw'
import { eventually, mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

const publishRequest = (body: unknown, authorization?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

describe('server-side publish API', () => {
  it('refuses a missing or wrong API key with 401 UNAUTHORIZED', async () => {
    const server = await startServer({ apiKey: 'right-key' })
    const message = { channel: 'broadcasts', event: 'news', data: 1 }
    for (const authorization of [undefined, 'Bearer wrong-key', 'right-key']) {
      const answer = await request(server, '/publish', publishRequest(message, authorization))
      expect([answer.status, answer.body.error.code], String(authorization)).toEqual([401, 'UNAUTHORIZED'])
    }
    const withoutApiKey = await startServer()
    const off = await request(withoutApiKey, '/publish', publishRequest(message, 'Bearer anything'))
    expect(off.status).toBe(401)
  })

  it('publishes with the right key to every subscriber, bypassing channel rules', async () => {
    const server = await startServer({ apiKey: 'right-key' })
    const reader = await WsClient.connect(server, await mintToken('ada'))
    await reader.command('subscribe', { channel: 'user:ada' })
    const answer = await request(server, '/publish', publishRequest({ channel: 'user:ada', event: 'notification', data: { text: 'hi' } }, 'Bearer right-key'))
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ position: { offset: 1 }, duplicate: false })
    const [message] = await reader.messagesOf('user:ada', 1)
    expect(message).toMatchObject({ event: 'notification', data: { text: 'hi' }, pos: answer.body.position })
  })

  it('refuses malformed publish bodies with 400 BAD_REQUEST and oversized ones with 413', async () => {
    const server = await startServer({ apiKey: 'k', maxFrameBytes: 1024 })
    for (const body of ['{nope', '{"channel":"bad name","event":"e","data":1}', '{"channel":"a","data":1}', '{"channel":"a","event":"e"}', '{"channel":"a","event":"e","data":1,"key":5}']) {
      const answer = await request(server, '/publish', publishRequest(body, 'Bearer k'))
      expect([answer.status, answer.body.error.code], body).toEqual([400, 'BAD_REQUEST'])
    }
    const tooLarge = await request(server, '/publish', publishRequest({ channel: 'a', event: 'e', data: 'x'.repeat(1500) }, 'Bearer k'))
    expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, 'FRAME_TOO_LARGE'])
  })

  it('says what is wrong with a bad channel name', async () => {
    const server = await startServer({ apiKey: 'k' })
    const cases: [unknown, string][] = [
      ['board 1', 'has a character outside letters, digits and _ - : . @: " "'],
      ['', 'cannot be empty'],
      ['x'.repeat(129), 'is 129 characters long; the most is 128'],
      [7, 'must be a string, got number'],
      [undefined, '"channel" is required'],
    ]
    for (const [channel, problem] of cases) {
      const answer = await request(server, '/publish', publishRequest({ channel, event: 'e', data: 1 }, 'Bearer k'))
      expect([answer.status, answer.body.error.code], String(channel)).toEqual([400, 'BAD_REQUEST'])
      expect(answer.body.error.message, String(channel)).toContain(problem)
    }
  })

  it('refuses a channel no rule matches with 403 FORBIDDEN: no client could ever read it', async () => {
    const server = await startServer({ apiKey: 'k' })
    const typo = await request(server, '/publish', publishRequest({ channel: 'leaderbord', event: 'score', data: 1 }, 'Bearer k'))
    expect([typo.status, typo.body.error.code]).toEqual([403, 'FORBIDDEN'])
    expect(typo.body.error.message).toContain('No channel rule matches "leaderbord"')
    const ruled = await startServer({ apiKey: 'k', channelRules: [{ pattern: 'team:{id}', subscribe: () => true }] })
    expect((await request(ruled, '/publish', publishRequest({ channel: 'team:red', event: 'goal', data: 1 }, 'Bearer k'))).status).toBe(200)
    expect((await request(ruled, '/publish', publishRequest({ channel: 'leaderboard', event: 'score', data: 1 }, 'Bearer k'))).status).toBe(403)
  })

  it('answers GET /publish with 405 and the allowed method', async () => {
    const server = await startServer({ apiKey: 'k' })
    const answer = await request(server, '/publish')
    expect([answer.status, answer.body.error.code, answer.headers.get('allow')]).toEqual([405, 'METHOD_NOT_ALLOWED', 'POST'])
  })
})

describe('health and metrics', () => {
  it('reports health with connections by transport', async () => {
    const server = await startServer()
    await WsClient.connect(server, await mintToken('ada'))
    await SseClient.connect(server, await mintToken('grace'))
    const health = await request(server, '/healthz')
    expect(health.status).toBe(200)
    expect(health.body).toEqual({ status: 'ok', connections: { websocket: 1, sse: 1, 'long-polling': 0 } })
  })

  it('exposes Prometheus text: connections by transport, messages in and out, errors by code', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    await SseClient.connect(server, await mintToken('grace'))
    await client.command('subscribe', { channel: 'user:grace' })
    const refused = await WsClient.open(server)
    await refused.command('connect', { v: 1, token: 'not-a-token' })
    await refused.closed
    const metrics = await request(server, '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = metrics.body as string
    expect(text).toContain('# TYPE lifeline_connections gauge')
    expect(text).toContain('lifeline_connections{transport="websocket"} 1')
    expect(text).toContain('lifeline_connections{transport="sse"} 1')
    expect(text).toMatch(/^lifeline_messages_in_total [1-9]\d*$/m)
    expect(text).toMatch(/^lifeline_messages_out_total [1-9]\d*$/m)
    expect(text).toContain('lifeline_errors_total{code="FORBIDDEN"} 1\n')
    expect(text).toContain('lifeline_errors_total{code="UNAUTHORIZED"} 1\n')
  })
})

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
