import { type SubscribeResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { request, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { MemoryBroker, type MockServer } from '../../src/index'
import { mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

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
