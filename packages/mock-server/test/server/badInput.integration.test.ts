import { connect as connectTcp } from 'node:net'
import { CloseCode, type DisconnectFrame, type ErrorFrame, type SubscribeResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, request, requestTicket, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { AuthError, MemoryBroker, type MockServer } from '../../src/index'
import { eventually, mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Tokens the server must refuse, with the error code and close code it must refuse them with. */
async function badTokens() {
  const valid = await mintToken('ada')
  const [header, payload, signature] = valid.split('.')
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
  return [
    { name: 'signed with another secret', token: await mintToken('ada', { secret: 'not-the-server-secret' }), code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'expired', token: await mintToken('ada', { now: Date.now() - 7200_000, expiresInSeconds: 3600 }), code: 'TOKEN_EXPIRED', close: CloseCode.TOKEN_EXPIRED },
    { name: 'forged (claims changed, signature kept)', token: `${header}.${base64url({ ...claims, sub: 'root', roles: ['admin'] })}.${signature}`, code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'alg: none', token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, roles: ['admin'] })}.`, code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'not a JWT', token: 'garbage', code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'without sub', token: `${header}.${base64url({ ...claims, sub: undefined })}.${signature}`, code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
  ]
}

describe('bad tokens', () => {
  it('refuses each bad token on the WebSocket connect with its code and close code', async () => {
    const server = await startServer()
    for (const { name, token, code, close } of await badTokens()) {
      const client = await WsClient.open(server)
      expect(errorOf(await client.command('connect', { v: 1, token })), name).toBe(code)
      expect((await client.closed).code, name).toBe(close)
    }
    const noToken = await WsClient.open(server)
    expect(errorOf(await noToken.command('connect', { v: 1 }))).toBe('UNAUTHORIZED')
    expect(await stillServes(server)).toBe(true)
    // Refused handshakes leave nothing behind in the engine.
    await eventually(() => expect(server.engine.sessions.size).toBe(0))
  })

  it('refuses each bad token on the SSE ticket request with 401 and its code', async () => {
    const server = await startServer()
    for (const { name, token, code } of await badTokens()) {
      const answer = await requestTicket(server, token)
      expect(answer.status, name).toBe(401)
      expect(answer.body.error.code, name).toBe(code)
    }
    expect(await stillServes(server)).toBe(true)
  })

  it('refuses each bad token on SSE upstream POSTs with 401 and its code', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('ada'))
    for (const { name, token, code } of await badTokens()) {
      const answer = await client.post(server, { id: 2, type: 'subscribe', channel: 'dashboard' }, { token })
      expect(answer.status, name).toBe(401)
      expect(answer.body.error.code, name).toBe(code)
    }
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })
})

describe('a pluggable verifier', () => {
  it('closes the socket even when its refusal message is longer than a close frame can carry', async () => {
    const refusal = 'This token was refused by the identity provider because '.repeat(5)
    const server = await startServer({
      verifyToken: async () => {
        throw new AuthError('UNAUTHORIZED', refusal)
      },
    })
    const client = await WsClient.open(server)
    const reply = await client.command('connect', { v: 1, token: 'anything' })
    expect(!reply.ok && reply.error).toEqual({ code: 'UNAUTHORIZED', message: refusal })
    expect(await client.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.UNAUTHORIZED, reason: refusal })
    expect((await client.closed).code).toBe(CloseCode.UNAUTHORIZED)
  })
})

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

/** A publication's `data` as raw JSON text, and what the server must do with it. */
interface HostileCase {
  name: string
  raw: string
  /** The refusal's code, or the value every subscriber receives. */
  outcome: { refused: 'BAD_REQUEST' | 'FRAME_TOO_LARGE' } | { delivered: unknown }
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const nestedValue = (depth: number): unknown => {
  let value: unknown = []
  for (let level = 1; level < depth; level++) value = [value]
  return value
}

const HOSTILE: HostileCase[] = [
  { name: 'nested 5,000 deep (JSON.stringify overflows its stack)', raw: nested(5000), outcome: { refused: 'BAD_REQUEST' } },
  { name: 'nested 33 deep, one over the limit', raw: nested(33), outcome: { refused: 'BAD_REQUEST' } },
  { name: 'nested 32 deep, at the limit', raw: nested(32), outcome: { delivered: nestedValue(32) } },
  { name: 'a lone high surrogate', raw: '"a\\ud800b"', outcome: { refused: 'BAD_REQUEST' } },
  { name: 'a lone low surrogate in a key', raw: '{"\\udc00":1}', outcome: { refused: 'BAD_REQUEST' } },
  { name: 'a number beyond double range (parses to Infinity)', raw: '{"n":1e400}', outcome: { refused: 'BAD_REQUEST' } },
  { name: 'a negative one', raw: '[-1e400]', outcome: { refused: 'BAD_REQUEST' } },
  { name: 'an integer beyond 2^53 (rounded as JSON.parse rounds it)', raw: '123456789012345678901234567890', outcome: { delivered: 123456789012345678901234567890 } },
  { name: 'duplicate keys (the last one wins, for everyone)', raw: '{"a":1,"a":2}', outcome: { delivered: { a: 2 } } },
  { name: 'a __proto__ key (an own property, not a prototype)', raw: '{"__proto__":{"admin":true}}', outcome: { delivered: JSON.parse('{"__proto__":{"admin":true}}') } },
  { name: 'odd but well-formed Unicode', raw: JSON.stringify('\u0000\ufeff\u2028\u2029\u202e🧑‍🚀 é'), outcome: { delivered: '\u0000\ufeff\u2028\u2029\u202e🧑‍🚀 é' } },
  { name: 'under the frame limit in characters, over it in UTF-8 bytes', raw: JSON.stringify('é'.repeat(40_000)), outcome: { refused: 'FRAME_TOO_LARGE' } },
]

describe('hostile payloads', () => {
  type Entry = (server: MockServer, item: HostileCase, key: string) => Promise<{ ok: true } | { ok: false; code: string }>
  const viaWebSocket = (client: WsClient): Entry => async (_server, { raw }, key) => {
    const id = Number(key.slice(1))
    client.send(`{"id":${id},"type":"publish","channel":"board:9","event":"e","key":"${key}","data":${raw}}`)
    const reply = await client.reply(id)
    return reply.ok ? { ok: true } : { ok: false, code: reply.error.code }
  }
  const viaSse = (client: SseClient): Entry => async (server, { raw }, key) => {
    const id = Number(key.slice(1))
    const posted = await client.post(server, `{"id":${id},"type":"publish","channel":"board:9","event":"e","key":"${key}","data":${raw}}`)
    if (posted.status !== 202) return { ok: false, code: posted.body.error.code }
    const reply = await client.reply(id)
    return reply.ok ? { ok: true } : { ok: false, code: reply.error.code }
  }
  const viaPublishApi: Entry = async (server, { raw }, key) => {
    const answer = await request(server, '/publish', { method: 'POST', headers: { authorization: 'Bearer api-key' }, body: `{"channel":"board:9","event":"e","key":"${key}","data":${raw}}` })
    return answer.status === 200 ? { ok: true } : { ok: false, code: answer.body.error.code }
  }

  it('refuses what cannot round-trip at every entry, delivers the rest exactly as parsed, and never stalls the channel', async () => {
    const server = await startServer({ apiKey: 'api-key' })
    const reader = await WsClient.connect(server, await mintToken('reader'))
    const start = resultOf<SubscribeResult>(await reader.command('subscribe', { channel: 'board:9' })).position
    const ws = await WsClient.connect(server, await mintToken('ws-writer'))
    const sse = await SseClient.connect(server, await mintToken('sse-writer'))
    const entries: [string, Entry][] = [['WebSocket', viaWebSocket(ws)], ['SSE', viaSse(sse)], ['publish API', viaPublishApi]]
    const expected: unknown[] = []
    let next = 100
    for (const [entry, send] of entries) {
      for (const item of HOSTILE) {
        const result = await send(server, item, `k${next++}`)
        if ('refused' in item.outcome) expect(result, `${item.name} over ${entry}`).toEqual({ ok: false, code: item.outcome.refused })
        else {
          expect(result, `${item.name} over ${entry}`).toEqual({ ok: true })
          expected.push(item.outcome.delivered)
        }
      }
    }
    const received = await reader.messagesOf('board:9', expected.length)
    expect(received.map((message) => message.data)).toEqual(expected)
    // A client recovering across all of it gets one reply, every accepted message, and nothing else.
    const late = await WsClient.connect(server, await mintToken('late'))
    late.send({ id: 7, type: 'subscribe', channel: 'board:9', since: start })
    await late.messagesOf('board:9', expected.length)
    await late.command('ping', {})
    expect(late.frames.filter((frame) => frame.type === 'reply' && frame.id === 7)).toEqual([{ type: 'reply', id: 7, ok: true, result: { position: start, recovered: true } }])
    expect(late.frames.filter((frame) => frame.type === 'unsubscribed' || frame.type === 'error')).toEqual([])
    expect(await stillServes(server)).toBe(true)
  })

  it('refuses what JSON cannot carry from server.publish too, with a typed error, and keeps a copy of what it took', async () => {
    const server = await startServer()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const refusals: [string, unknown][] = [
      ['deep', nestedValue(100)],
      ['cyclic', cyclic],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['NaN', [Number.NaN]],
      ['bigint', { n: 10n }],
      ['undefined member', { a: undefined }],
      ['hole', [1, , 3]],
      ['function', { f: () => 1 }],
      ['Date', new Date(0)],
      ['Map', new Map()],
      ['symbol key', { [Symbol('s')]: 1 }],
      ['lone surrogate', 'x\ud800'],
      ['too large', 'x'.repeat(70_000)],
    ]
    for (const [name, data] of refusals) {
      await expect(server.publish('board:8', 'e', data), name).rejects.toMatchObject({ name: 'RefusedError', code: name === 'too large' ? 'FRAME_TOO_LARGE' : 'BAD_REQUEST' })
    }
    const data = { list: [1, 2] }
    const { position } = await server.publish('board:8', 'e', data)
    data.list.push(3)
    const history = await server.engine.broker.history('board:8', { ...position, offset: 0 })
    expect(history.publications.map((publication) => publication.data)).toEqual([{ list: [1, 2] }])
  })
})

describe('a message that cannot be encoded, put in history by a broker behind the engine', () => {
  it('is answered by one reply to the subscribe and an unsubscribed frame, never a second reply or silence', async () => {
    // Only a broker filled by something else than this engine can hold one: the door refuses them.
    const broker = new MemoryBroker({ log: () => {} })
    const server = await startServer({ broker, log: () => {} })
    const live = await WsClient.connect(server, await mintToken('live'))
    const start = resultOf<SubscribeResult>(await live.command('subscribe', { channel: 'board:7' })).position
    await broker.publish({ channel: 'board:7', event: 'e', data: nestedValue(20_000) })
    const ended = { type: 'unsubscribed', channel: 'board:7', error: { code: 'INTERNAL', message: expect.any(String) } }
    expect(await live.frame((frame) => frame.type === 'unsubscribed', 'unsubscribed')).toEqual(ended)

    const recovering = await WsClient.connect(server, await mintToken('recovering'))
    recovering.send({ id: 5, type: 'subscribe', channel: 'board:7', since: start })
    expect(await recovering.frame((frame) => frame.type === 'unsubscribed', 'unsubscribed')).toEqual(ended)
    expect((await recovering.command('ping', {})).ok).toBe(true)
    expect(recovering.frames.filter((frame) => frame.type === 'reply' && frame.id === 5)).toEqual([{ type: 'reply', id: 5, ok: true, result: { position: start, recovered: true } }])
    expect(server.clients.map((info) => info.channels)).toEqual([[], []])
    await broker.close()
  })
})
