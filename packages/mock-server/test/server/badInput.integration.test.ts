import { connect as connectTcp } from 'node:net'
import { CloseCode, type DisconnectFrame, type ErrorFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, request, SseClient, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('malformed frames over WebSocket', () => {
  it('answers each malformed frame with its documented error and keeps the connection', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    const errorFrames = ['{not json', '[1,2]', 'null', '"text"', '{"type":"ping"}', '{"id":-1,"type":"ping"}']
    for (const text of errorFrames) client.send(text)
    client.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true })
    await client.frame(() => client.frames.filter((frame) => frame.type === 'error').length === errorFrames.length + 1, 'all error frames')
    const errors = client.frames.filter((frame): frame is ErrorFrame => frame.type === 'error')
    expect(errors.map((frame) => frame.error.code)).toEqual(Array(errorFrames.length + 1).fill('BAD_REQUEST'))

    client.send({ id: 90, type: 'teleport' })
    expect(errorOf(await client.reply(90))).toBe('UNKNOWN_COMMAND')
    client.send({ id: 91, type: 'subscribe', channel: 'spaces are not allowed' })
    expect(errorOf(await client.reply(91))).toBe('BAD_REQUEST')
    client.send({ id: 92, type: 'subscribe', channel: 'leaderboard', since: { epoch: 7, offset: 'x' } })
    expect(errorOf(await client.reply(92))).toBe('BAD_REQUEST')
    client.send({ id: 93, type: 'publish', channel: 'board:1', event: 'e', data: 1 })
    expect(errorOf(await client.reply(93))).toBe('BAD_REQUEST')
    expect(errorOf(await client.command('unsubscribe', { channel: 'leaderboard' }))).toBe('NOT_SUBSCRIBED')
    await client.command('subscribe', { channel: 'leaderboard' })
    expect(errorOf(await client.command('subscribe', { channel: 'leaderboard' }))).toBe('ALREADY_SUBSCRIBED')
    expect((await client.command('ping', {})).ok).toBe(true)
    expect(await stillServes(server)).toBe(true)
  })

  it('disconnects a sustained flood that lets the bucket refill between bursts', async () => {
    const server = await startServer({ rateLimit: { perSecond: 1000, burst: 10 } })
    const flooder = await WsClient.connect(server, await mintToken('flooder'))
    let id = 100
    // Bounded: 40 bursts of 200 commands, each burst after the previous one's last reply.
    for (let burst = 0; burst < 40 && flooder.socket.readyState === flooder.socket.OPEN; burst++) {
      for (let i = 0; i < 200; i++) flooder.send({ id: id++, type: 'ping' })
      await Promise.race([flooder.reply(id - 1), flooder.closed])
    }
    expect((await flooder.closed).code).toBe(CloseCode.RATE_LIMITED)
    expect(await stillServes(server)).toBe(true)
  })

  it('disconnects a command flood with 4002 and retry advice, and keeps serving others', async () => {
    const server = await startServer()
    const flooder = await WsClient.connect(server, await mintToken('flooder'))
    // Bounded: enough commands to exhaust the burst and then be refused a thousand times over.
    for (let i = 0; i < 5000 && flooder.socket.readyState === flooder.socket.OPEN; i++) flooder.send({ id: 100 + i, type: 'ping' })
    const disconnect = await flooder.frame<DisconnectFrame>((frame) => frame.type === 'disconnect', 'disconnect')
    expect(disconnect.code).toBe(CloseCode.RATE_LIMITED)
    expect(disconnect.retryAfterMs).toBeGreaterThan(0)
    expect((await flooder.closed).code).toBe(CloseCode.RATE_LIMITED)
    expect(await stillServes(server)).toBe(true)
  })

  it('counts malformed frames and pongs against the rate, so a garbage flood is cut off too', async () => {
    const server = await startServer({ rateLimit: { perSecond: 0.01, burst: 5 } })
    const flooder = await WsClient.connect(server, await mintToken('flooder'))
    // Bounded: far past the 1 000 refusals that make a flood.
    for (let i = 0; i < 1500 && flooder.socket.readyState === flooder.socket.OPEN; i++) flooder.send(i % 2 ? '{not json' : '{"type":"pong"}')
    expect((await flooder.closed).code).toBe(CloseCode.RATE_LIMITED)
    // Garbage over the rate gets no answer: answering each would amplify the flood.
    expect(flooder.frames.filter((frame) => frame.type === 'error').length).toBeLessThan(10)
    expect(await stillServes(server)).toBe(true)
  })
})

describe('malformed HTTP requests', () => {
  it('answers malformed SSE requests with their documented errors', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('ada'))
    const expectations: [string, number, string][] = [
      ['{oops', 400, 'BAD_REQUEST'],
      ['{"id":2,"type":"teleport"}', 400, 'UNKNOWN_COMMAND'],
      ['{"id":3,"type":"connect","v":1}', 400, 'ALREADY_CONNECTED'],
    ]
    for (const [body, status, code] of expectations) {
      const answer = await client.post(server, body)
      expect([answer.status, answer.body.error.code], body).toEqual([status, code])
    }
    const noSession = await request(server, '/sse/send', { method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: '{"id":4,"type":"ping"}' })
    expect([noSession.status, noSession.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
    const notConnect = await request(server, '/sse/ticket', { method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: '{"id":1,"type":"ping"}' })
    expect([notConnect.status, notConnect.body.error.code]).toEqual([400, 'BAD_REQUEST'])
    const badVersion = await request(server, '/sse/ticket', { method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: '{"id":1,"type":"connect","v":2}' })
    expect([badVersion.status, badVersion.body.error.code]).toEqual([400, 'UNSUPPORTED_VERSION'])
    const unknownRoute = await request(server, '/nope')
    expect([unknownRoute.status, unknownRoute.body.error.code]).toEqual([404, 'NOT_FOUND'])
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })

  it('survives bytes that are not HTTP at all', async () => {
    const server = await startServer()
    await new Promise<void>((resolve) => {
      const socket = connectTcp(server.port, '127.0.0.1', () => socket.end('\u0000\u0001 this is not HTTP\r\n\r\n'))
      socket.on('close', () => resolve())
      socket.on('error', () => resolve())
    })
    expect(await stillServes(server)).toBe(true)
  })
})
