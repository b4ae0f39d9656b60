import { createServer as createHttpServer } from 'node:http'
import { connect as connectTcp, type AddressInfo } from 'node:net'
import { CloseCode, type ErrorFrame, type ReplyFrame, type ServerFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, errorOf, request, requestTicket, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { ProtocolEngine } from '../../src/engine/index'
import { readBody } from '../../src/readBody'
import { eventually, mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

const ALLOWED = 'http://app.example'
const EVIL = 'http://evil.example'

/** The channel offsets of received messages, in order. */
const offsetsOf = (messages: { pos: { offset: number } }[]) => messages.map((message) => message.pos.offset)

/** A ping command padded to about `bytes` bytes of JSON. */
const paddedPing = (id: number, bytes: number) => JSON.stringify({ id, type: 'ping', padding: 'x'.repeat(bytes) })

describe('origin allowlist', () => {
  it('refuses the WebSocket upgrade from a disallowed origin and accepts an allowed one', async () => {
    const server = await startServer({ allowedOrigins: [ALLOWED] })
    await expect(WsClient.open(server, { origin: EVIL })).rejects.toThrow('upgrade refused with 403')
    const allowed = await WsClient.open(server, { origin: ALLOWED })
    expect((await allowed.command('connect', { v: 1, token: await mintToken('ada') })).ok).toBe(true)
  })

  it('refuses SSE tickets, streams and preflights from a disallowed origin with 403 ORIGIN_NOT_ALLOWED', async () => {
    const server = await startServer({ allowedOrigins: [ALLOWED] })
    const token = await mintToken('grace')
    const ticket = await requestTicket(server, token, { origin: EVIL })
    expect(ticket.status).toBe(403)
    expect(ticket.body.error.code).toBe('ORIGIN_NOT_ALLOWED')
    const goodTicket = (await requestTicket(server, token)).body.ticket as string
    const stream = await request(server, `/sse?ticket=${encodeURIComponent(goodTicket)}`, { headers: { origin: EVIL } })
    expect(stream.status).toBe(403)
    expect(stream.body.error.code).toBe('ORIGIN_NOT_ALLOWED')
    expect((await request(server, '/sse/ticket', { method: 'OPTIONS', headers: { origin: EVIL } })).status).toBe(403)
    await expect(SseClient.connect(server, token, EVIL)).rejects.toThrow('ticket refused')
  })

  it('serves an allowed origin over SSE with CORS headers', async () => {
    const server = await startServer({ allowedOrigins: [ALLOWED] })
    const preflight = await request(server, '/sse/send', { method: 'OPTIONS', headers: { origin: ALLOWED } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('lifeline-session')
    const ticket = await requestTicket(server, await mintToken('grace'), { origin: ALLOWED })
    expect(ticket.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    const client = await SseClient.connect(server, await mintToken('grace'), ALLOWED)
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })
})

describe('max frame size', () => {
  it('answers an oversized WebSocket command with a FRAME_TOO_LARGE reply to its id and keeps the connection', async () => {
    const server = await startServer({ maxFrameBytes: 1024 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    client.send(paddedPing(50, 2000))
    expect(errorOf(await client.reply(50))).toBe('FRAME_TOO_LARGE')
    expect((await client.command('ping', {})).ok).toBe(true)
  })

  it('answers an oversized frame whose id it cannot see at a glance with a FRAME_TOO_LARGE error frame', async () => {
    const server = await startServer({ maxFrameBytes: 1024 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    // The id sits between two long members: reading it would mean parsing the oversized frame.
    client.send(JSON.stringify({ type: 'ping', head: 'x'.repeat(1000), id: 51, tail: 'x'.repeat(1000) }))
    const error = await client.frame<ErrorFrame>((frame) => frame.type === 'error', 'error frame')
    expect(error.error.code).toBe('FRAME_TOO_LARGE')
    expect((await client.command('ping', {})).ok).toBe(true)
  })

  it('closes the WebSocket with 1009 for a frame over four times the limit', async () => {
    const server = await startServer({ maxFrameBytes: 1024 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    client.send(paddedPing(50, 5000))
    expect((await client.closed).code).toBe(1009)
    expect(await stillServes(server)).toBe(true)
  })

  it('answers an oversized SSE upstream POST with 413 FRAME_TOO_LARGE', async () => {
    const server = await startServer({ maxFrameBytes: 1024 })
    const client = await SseClient.connect(server, await mintToken('grace'))
    for (const bytes of [1500, 50_000]) {
      const answer = await client.post(server, paddedPing(9, bytes))
      expect(answer.status).toBe(413)
      expect(answer.body.error.code).toBe('FRAME_TOO_LARGE')
    }
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })
})

describe('rate limit', () => {
  // Refills one command per 100 s: nothing refills during the test, whatever the machine's load.
  const rateLimit = { perSecond: 0.01, burst: 5 }

  it('answers commands over the rate with RATE_LIMITED and retry advice over WebSocket', async () => {
    const server = await startServer({ rateLimit })
    const client = await WsClient.connect(server, await mintToken('ada'))
    const replies: ReplyFrame[] = await Promise.all(Array.from({ length: 8 }, () => client.command('ping', {})))
    expect(replies.filter((reply) => reply.ok)).toHaveLength(4) // the connect took one
    const limited = replies.filter((reply) => !reply.ok)
    expect(limited.map(errorOf)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED'])
    for (const reply of limited) expect(!reply.ok && reply.error.retryAfterMs).toBeGreaterThan(0)
    const replyOrder = client.frames.flatMap((frame) => (frame.type === 'reply' ? [frame.id] : []))
    expect(replyOrder).toEqual([...replyOrder].sort((a, b) => a - b))
    expect(await stillServes(server)).toBe(true)
  })

  it('answers SSE upstream POSTs over the rate with 429 RATE_LIMITED', async () => {
    const server = await startServer({ rateLimit })
    const client = await SseClient.connect(server, await mintToken('grace'))
    const answers = []
    for (let id = 2; id < 10; id++) answers.push(await client.post(server, { id, type: 'ping' }))
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 429, 429, 429])
    expect(answers[7]!.body.error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) })
  })
})

describe('max subscriptions', () => {
  it('refuses a subscription over the limit with TOO_MANY_SUBSCRIPTIONS', async () => {
    const server = await startServer({ maxSubscriptions: 2 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    expect((await client.command('subscribe', { channel: 'leaderboard' })).ok).toBe(true)
    expect((await client.command('subscribe', { channel: 'broadcasts' })).ok).toBe(true)
    expect(errorOf(await client.command('subscribe', { channel: 'user:ada' }))).toBe('TOO_MANY_SUBSCRIPTIONS')
    expect((await client.command('unsubscribe', { channel: 'broadcasts' })).ok).toBe(true)
    expect((await client.command('subscribe', { channel: 'user:ada' })).ok).toBe(true)
  })
})

describe('slow consumer', () => {
  it('cuts off a WebSocket client that stops reading, and keeps serving the others', async () => {
    const server = await startServer({ maxBufferedBytes: 1024 * 1024 })
    const slow = await WsClient.connect(server, await mintToken('slow'))
    const healthy = await WsClient.connect(server, await mintToken('healthy'))
    await slow.command('subscribe', { channel: 'leaderboard' })
    await healthy.command('subscribe', { channel: 'leaderboard' })
    slow.socket.pause()
    const payload = 'x'.repeat(16 * 1024)
    let published = 0
    // Bounded: kernel socket buffers on loopback hold a few MiB at most before ws starts buffering.
    while (server.clients.some((client) => client.user === 'slow') && published < 4000) {
      await server.publish('leaderboard', 'blob', payload)
      published += 1
      // One event-loop turn per message, so the healthy client (same process) gets to read.
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(server.clients.map((client) => client.user)).toEqual(['healthy'])
    const metrics = await request(server, '/metrics')
    expect(metrics.body).toContain('lifeline_errors_total{code="SLOW_CONSUMER"} 1')
    await healthy.messagesOf('leaderboard', published)
    slow.socket.resume()
    expect((await slow.closed).code).toBe(1006)
    expect(await stillServes(server)).toBe(true)
  })

  it('cuts off each of several WebSocket clients that stop reading, while the fast ones among them receive everything', async () => {
    const server = await startServer({ maxBufferedBytes: 1024 * 1024 })
    const connect = async (name: string) => {
      const client = await WsClient.connect(server, await mintToken(name))
      await client.command('subscribe', { channel: 'leaderboard' })
      return client
    }
    const slow = await Promise.all(['slow0', 'slow1'].map(connect))
    const fast = await Promise.all(['fast0', 'fast1', 'fast2'].map(connect))
    for (const client of slow) client.socket.pause()
    const payload = 'x'.repeat(16 * 1024)
    let published = 0
    // Bounded, as above.
    while (server.clients.some((client) => client.user.startsWith('slow')) && published < 4000) {
      await server.publish('leaderboard', 'blob', payload)
      published += 1
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(server.clients.map((client) => client.user).sort()).toEqual(['fast0', 'fast1', 'fast2'])
    expect((await request(server, '/metrics')).body).toContain('lifeline_errors_total{code="SLOW_CONSUMER"} 2')
    for (const client of fast) expect(offsetsOf(await client.messagesOf('leaderboard', published))).toEqual(Array.from({ length: published }, (_, i) => i + 1))
    expect(await stillServes(server)).toBe(true)
  })

  it('takes a burst bigger than the send buffer within one turn to an SSE client that reads, without cutting it', async () => {
    // Node's HTTP response holds a turn's writes until the next tick, so judging the buffer right
    // after each write called every fast SSE client slow during a burst (and a replay looped).
    const server = await startServer({ maxBufferedBytes: 64 * 1024 })
    const client = await SseClient.connect(server, await mintToken('fast'))
    resultOf(await client.command(server, 'subscribe', { channel: 'leaderboard' }))
    const payload = 'x'.repeat(8 * 1024)
    await Promise.all(Array.from({ length: 20 }, (_, index) => server.publish('leaderboard', 'blob', { index, payload })))
    const received = await client.messagesOf('leaderboard', 20)
    expect(received.map((frame) => (frame.data as { index: number }).index)).toEqual(Array.from({ length: 20 }, (_, index) => index))
    expect(server.clients.map((info) => info.user)).toEqual(['fast'])
    expect((await request(server, '/metrics')).body).not.toContain('SLOW_CONSUMER')
  })

  it('cuts off an SSE client that stops reading, without queueing the end behind its backlog', async () => {
    const server = await startServer({ maxBufferedBytes: 1024 * 1024 })
    const token = await mintToken('slow')
    const ticket = (await requestTicket(server, token)).body.ticket as string
    const controller = new AbortController()
    closeAfterTest(() => controller.abort())
    const response = await fetch(`${server.url}/sse?ticket=${encodeURIComponent(ticket)}`, { signal: controller.signal })
    const [session] = await server.connected()
    const subscribing = await request(server, '/sse/send', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'lifeline-session': session!.id },
      body: JSON.stringify({ id: 2, type: 'subscribe', channel: 'leaderboard' }),
    })
    expect(subscribing.status).toBe(202)
    await eventually(() => expect(server.clients[0]?.channels).toEqual(['leaderboard']))
    const payload = 'x'.repeat(16 * 1024)
    let published = 0
    // Bounded, as above; nobody reads the response body meanwhile.
    while (server.clients.length > 0 && published < 4000) {
      await server.publish('leaderboard', 'blob', payload)
      published += 1
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(server.clients).toEqual([])
    expect((await request(server, '/metrics')).body).toContain('lifeline_errors_total{code="SLOW_CONSUMER"} 1')
    // Cut, not ended politely: the stream breaks off instead of delivering the whole backlog first.
    await expect(response.text()).rejects.toThrow()
    expect(await stillServes(server)).toBe(true)
  })
})

describe('connections per address', () => {
  /** An outlet that records what the engine sends and how it closes it. */
  function recordingLink() {
    const frames: ServerFrame[] = []
    const outlet = { transport: 'websocket' as const, closedWith: undefined as number | undefined, send: (text: string) => void frames.push(JSON.parse(text) as ServerFrame), bufferedBytes: () => 0, close: (code: number) => void (outlet.closedWith = code) }
    return { outlet, frames }
  }

  it('closes a connection over maxConnectionsPerIp with 4002 and retry advice, counts each address apart, frees a place on close, and does not count loopback', async () => {
    const engine = new ProtocolEngine({ maxConnectionsPerIp: 2, log: () => {} })
    const from = (peer: string) => {
      const recording = recordingLink()
      return { session: engine.acceptWebSocket(recording.outlet, peer), ...recording }
    }
    const [first, second] = [from('203.0.113.7'), from('203.0.113.7')]
    const third = from('203.0.113.7')
    expect([first.session.status, second.session.status, third.session.status]).toEqual(['connecting', 'connecting', 'closed'])
    expect(third.outlet.closedWith).toBe(CloseCode.RATE_LIMITED)
    expect(third.frames).toEqual([{ type: 'disconnect', code: CloseCode.RATE_LIMITED, reason: expect.any(String), retryAfterMs: expect.any(Number) }])
    expect(from('198.51.100.1').session.status).toBe('connecting')
    first.session.closed()
    expect(from('203.0.113.7').session.status).toBe('connecting')
    // A reverse proxy on the same host shows every user as loopback: not capped here.
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.0.1']) expect(from(peer).session.status).toBe('connecting')
    expect(engine.metricsText()).toContain('lifeline_errors_total{code="RATE_LIMITED"} 1')
    await engine.close()
  })
})

describe('request body timeout', () => {
  it('cuts a request whose body does not arrive in time, and reads a whole one', async () => {
    const outcomes: string[] = []
    const http = createHttpServer((request, response) => {
      readBody(request, 1024, 200).then(
        (text) => response.end(`read ${text}`),
        (error: Error) => outcomes.push(error.name),
      )
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    closeAfterTest(() => new Promise((resolve) => http.close(resolve)))
    const { port } = http.address() as AddressInfo
    const cut = await new Promise<string>((resolve) => {
      const socket = connectTcp(port, '127.0.0.1', () => socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"id":1'))
      let answer = ''
      socket.on('data', (chunk) => (answer += chunk.toString()))
      socket.on('close', () => resolve(answer))
    })
    expect(cut).toBe('')
    expect(outcomes).toEqual(['BodyTimeoutError'])
    expect(await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{"id":2}' })).text()).toBe('read {"id":2}')
  })
})
