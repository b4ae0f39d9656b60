import type { Outlet } from '@lifeline/mock-server/engine'
import { MemoryBroker } from '@lifeline/mock-server'
import { createMswHandlers } from '@lifeline/mock-server/msw'
import type { ServerFrame } from '@lifeline/protocol'
import { setupServer } from 'msw/node'
import { closeOpened, replyTo, SseClient, WsClient } from '@lifeline/testkit/raw'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startHarness, type Harness } from '../support/harness'
import { FAST } from './support/fast'
import { expectedFor, hostilePayload, seeded, type Expected } from './support/hostilePayloads'
import { account, expectInvariant, type Published } from './support/invariant'
import { publishNumbered, watch, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

/** Payloads per entry; a failing seed is printed with the payload that failed. */
const PER_ENTRY = Number(process.env.FUZZ_PAYLOADS ?? 40)
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 100_000)
const CHANNEL = 'board:fuzz'
const HOSTILE = 'h'
const API_KEY = 'fuzz-api-key'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await closeOpened()
})

/** Sends one raw payload through one entry; answers the refusal's code, or `accepted`. */
type Entry = (raw: string, key: string) => Promise<{ outcome: string; frameBytes: number }>

const commandText = (id: number, raw: string, key: string) => `{"id":${id},"type":"publish","channel":"${CHANNEL}","event":"${HOSTILE}","key":"${key}","data":${raw}}`
const apiBody = (raw: string, key: string) => `{"channel":"${CHANNEL}","event":"${HOSTILE}","key":"${key}","data":${raw}}`

async function publishApi(url: string, raw: string, key: string): Promise<{ outcome: string; frameBytes: number }> {
  const body = apiBody(raw, key)
  const response = await fetch(`${url}/publish`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body })
  const answer = (await response.json()) as { error?: { code: string } }
  // The API's size check counts the body's characters: UTF-16 units are at most its bytes.
  return { outcome: response.status === 200 ? 'accepted' : answer.error!.code, frameBytes: body.length }
}

/** Checks the outcome against the oracle; answers the value subscribers must get, if any. */
function judge(entry: string, raw: string, { outcome, frameBytes }: { outcome: string; frameBytes: number }): Expected {
  const expected = expectedFor(raw, frameBytes)
  const what = `${entry}, seed ${SEED}: ${raw.length > 200 ? `${raw.slice(0, 100)}… (${raw.length} characters)` : raw}`
  expect(outcome, what).toBe(expected.deliver ? 'accepted' : expected.code)
  return expected
}

describe('hostile payloads', () => {
  it(`fuzzed through every entry (WebSocket, SSE upstream, HTTP publish API): refused with their code or delivered as parsed, and the channel never stalls (${PER_ENTRY} each)`, async () => {
    // The fuzzers send as fast as replies come: this is about payloads, not the command rate.
    // History for every message of a long run, for the recovery at its end.
    const broker = new MemoryBroker({ historySize: 10 * PER_ENTRY * 8 })
    const harness: Harness = await startHarness({ apiKey: API_KEY, broker, rateLimit: { perSecond: 10_000, burst: 10_000 } })
    cleanups.push(() => harness.close())
    const { server } = harness
    const watches: { seen: Watch; hostile: unknown[] }[] = [0, 1].map((index) => {
      const client = harness.client({ ...FAST, sub: `reader${index}`, transports: index ? ['sse'] : ['websocket'] })
      client.connect()
      const hostile: unknown[] = []
      client.channel(CHANNEL).on(HOSTILE, (data) => hostile.push(data))
      return { seen: watch(client, CHANNEL), hostile }
    })
    await Promise.all(watches.map(({ seen }) => seen.subscribed))
    const start = (await server.engine.broker.history(CHANNEL)).position

    const socket = await WsClient.connect(server, await harness.token('ws-fuzzer'))
    cleanups.push(() => socket.close())
    const stream = await SseClient.connect(server, await harness.token('sse-fuzzer'))
    cleanups.push(() => stream.close())
    let id = 10
    const entries: [string, Entry][] = [
      [
        'WebSocket',
        async (raw, key) => {
          const command = commandText(++id, raw, key)
          socket.send(command)
          const reply = await socket.frame(replyTo(id))
          return { outcome: reply.type === 'reply' && reply.ok ? 'accepted' : reply.type === 'reply' && !reply.ok ? reply.error.code : 'none', frameBytes: Buffer.byteLength(command) }
        },
      ],
      [
        'SSE upstream',
        async (raw, key) => {
          const command = commandText(++id, raw, key)
          const posted = await stream.post(server, command)
          if (posted.status !== 202) return { outcome: posted.body.error.code, frameBytes: Buffer.byteLength(command) }
          const reply = await stream.frame(replyTo(id))
          return { outcome: reply.type === 'reply' && reply.ok ? 'accepted' : reply.type === 'reply' && !reply.ok ? reply.error.code : 'none', frameBytes: Buffer.byteLength(command) }
        },
      ],
      ['HTTP publish API', (raw, key) => publishApi(server.url, raw, key)],
    ]

    const random = seeded(SEED)
    const delivered: unknown[] = []
    const published: Published = new Map()
    for (let round = 0; round < PER_ENTRY; round++) {
      for (const [name, send] of entries) {
        const raw = hostilePayload(random)
        const expected = judge(name, raw, await send(raw, `k${round}-${name}`))
        if (expected.deliver) delivered.push(expected.value)
        // Ordinary traffic between them: it must keep flowing, once and in order.
        await publishNumbered(server, CHANNEL, published.size + 1, published.size + 1, published)
      }
    }

    await expect.poll(() => watches.every(({ seen, hostile }) => seen.received.length === published.size && hostile.length === delivered.length), { timeout: 20_000 }).toBe(true)
    for (const { seen, hostile } of watches) {
      expect(hostile).toEqual(delivered)
      expectInvariant(account(published, seen))
      expect(seen.gaps).toEqual([])
    }
    // A client recovering across all of it gets one reply, then the whole replay, nothing else.
    const late = await WsClient.connect(server, await harness.token('late'))
    cleanups.push(() => late.close())
    late.send({ id: 2, type: 'subscribe', channel: CHANNEL, since: start })
    await expect.poll(() => late.frames.filter((frame) => frame.type === 'message').length, { timeout: 20_000 }).toBe(published.size + delivered.length)
    late.send({ id: 3, type: 'ping' })
    await late.frame(replyTo(3))
    expect(late.frames.filter(replyTo(2))).toEqual([{ type: 'reply', id: 2, ok: true, result: { position: start, recovered: true } }])
    expect(late.frames.filter((frame) => frame.type === 'unsubscribed' || frame.type === 'error')).toEqual([])
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it(`fuzzed through the MSW handlers: the same door, the same outcomes (${PER_ENTRY} payloads)`, async () => {
    const mock = createMswHandlers({ url: 'http://lifeline.msw.test', transports: ['websocket'], apiKey: API_KEY, log: () => {} })
    const msw = setupServer(...mock.handlers)
    msw.listen({ onUnhandledRequest: 'bypass' })
    cleanups.push(() => (msw.close(), mock.close()))
    // A subscriber on the handlers' engine, through the same outlet interface their WebSocket uses.
    const frames: ServerFrame[] = []
    const outlet: Outlet = { transport: 'websocket', send: (text) => void frames.push(JSON.parse(text) as ServerFrame), bufferedBytes: () => 0, close: () => {} }
    const session = mock.engine.acceptWebSocket(outlet)
    session.receive(JSON.stringify({ id: 1, type: 'connect', v: 1, token: await harnessToken() }))
    session.receive(JSON.stringify({ id: 2, type: 'subscribe', channel: CHANNEL }))
    await expect.poll(() => frames.some(replyTo(2))).toBe(true)

    const random = seeded(SEED + 1)
    const delivered: unknown[] = []
    for (let round = 0; round < PER_ENTRY; round++) {
      const raw = hostilePayload(random)
      const expected = judge('MSW handlers', raw, await publishApi(mock.url, raw, `k${round}`))
      if (expected.deliver) delivered.push(expected.value)
    }
    await expect.poll(() => frames.filter((frame) => frame.type === 'message').length).toBe(delivered.length)
    expect(frames.flatMap((frame) => (frame.type === 'message' ? [frame.data] : []))).toEqual(delivered)
    expect(frames.filter((frame) => frame.type === 'unsubscribed' || frame.type === 'error')).toEqual([])
  })
})

/** A token the MSW handlers' default verifier accepts (the development secret). */
async function harnessToken(): Promise<string> {
  const { signToken, DEFAULT_JWT_SECRET } = await import('@lifeline/mock-server')
  return signToken({ secret: DEFAULT_JWT_SECRET, sub: 'msw-reader' })
}
