import { signToken } from '@lifeline/mock-server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ServerFrame } from '@lifeline/protocol'
import { closeOpened, replyTo, WsClient } from '@lifeline/testkit/raw'
import { startHarness, type Harness } from '../support/harness'
import { FAST } from './support/fast'
import { account, everyMessage } from './support/invariant'
import { publishNumbered, watch, type Published, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let harness: Harness
let bystander: Watch
let published: Published

/** Every attack runs next to a well-behaved client that must not notice it. */
async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<void> {
  harness = await startHarness(options)
  const client = harness.client({ ...FAST, sub: 'grace' })
  client.connect()
  bystander = watch(client, 'leaderboard')
  await bystander.subscribed
  published = new Map()
}
beforeEach(() => start())
afterEach(async () => {
  await closeOpened()
  await harness.close()
})

/** After each attack: health is fine and the bystander still gets the next message, once. */
async function expectStillServing(): Promise<void> {
  const health = await fetch(`${harness.server.url}/healthz`)
  expect(health.status).toBe(200)
  const n = published.size + 1
  await publishNumbered(harness.server, 'leaderboard', n, n, published)
  await expect.poll(() => bystander.received).toEqual([...published.keys()])
  expect(account(published, bystander)).toEqual(everyMessage(published.size))
}

/** A raw WebSocket, past the handshake when there is a token; closed after the test. */
function raw(token?: string): Promise<WsClient> {
  return token === undefined ? WsClient.open(harness.server) : WsClient.connect(harness.server, token)
}

/** The handshake's answer and close code for a connect frame carrying `token`. */
async function connectWith(token: string | undefined): Promise<{ error: unknown; closeCode: number }> {
  const socket = await raw()
  socket.send({ id: 1, type: 'connect', v: 1, ...(token === undefined ? {} : { token }) })
  const reply = await socket.frame(replyTo(1))
  return { error: reply.type === 'reply' && !reply.ok ? reply.error.code : 'accepted', closeCode: (await socket.closed).code }
}

async function ticketWith(authorization: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${harness.server.url}/sse/ticket`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...headers },
    body: JSON.stringify({ id: 1, type: 'connect', v: 1 }),
  })
  return { status: response.status, code: ((await response.json()) as { error?: { code: string } }).error?.code }
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const codeOf = (frame: ServerFrame) => (frame.type === 'reply' && !frame.ok ? frame.error.code : frame.type === 'error' ? frame.error.code : undefined)

describe('bad tokens', () => {
  it('no token: UNAUTHORIZED, closed 4201; no ticket without Authorization', async () => {
    expect(await connectWith(undefined)).toEqual({ error: 'UNAUTHORIZED', closeCode: 4201 })
    expect(await ticketWith(undefined)).toEqual({ status: 401, code: 'UNAUTHORIZED' })
    await expectStillServing()
  })

  it('expired token: TOKEN_EXPIRED, closed 4200 (refresh, then reconnect)', async () => {
    const expired = await harness.token('ada', { expiresInSeconds: -60 })
    expect(await connectWith(expired)).toEqual({ error: 'TOKEN_EXPIRED', closeCode: 4200 })
    expect(await ticketWith(`Bearer ${expired}`)).toEqual({ status: 401, code: 'TOKEN_EXPIRED' })
    await expectStillServing()
  })

  it('forged signature: UNAUTHORIZED, and a client that keeps getting one stops after a single retry', async () => {
    const forged = await signToken({ secret: 'not-the-server-secret', sub: 'ada', roles: ['admin'] })
    expect(await connectWith(forged)).toEqual({ error: 'UNAUTHORIZED', closeCode: 4201 })
    expect(await ticketWith(`Bearer ${forged}`)).toEqual({ status: 401, code: 'UNAUTHORIZED' })

    let calls = 0
    const victim = harness.client({ ...FAST, getToken: () => (calls++, forged) })
    victim.connect()
    await expect(victim.ready(10_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(calls).toBe(2)
    await expectStillServing()
  })

  it('alg "none": UNAUTHORIZED, closed 4201', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'ada', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 3600 })}.`
    expect(await connectWith(unsigned)).toEqual({ error: 'UNAUTHORIZED', closeCode: 4201 })
    expect(await ticketWith(`Bearer ${unsigned}`)).toEqual({ status: 401, code: 'UNAUTHORIZED' })
    await expectStillServing()
  })
})

describe('channels not yours', () => {
  it("another user's channel: FORBIDDEN to subscribe and to publish", async () => {
    const ada = harness.client({ ...FAST, sub: 'ada' })
    ada.connect()
    const bobs = ada.channel('user:bob')
    const failed = new Promise((resolve) => bobs.onState((state) => state.status === 'failed' && resolve(state.error?.code)))
    bobs.subscribe()
    expect(await failed).toBe('FORBIDDEN')
    await expect(bobs.publish('note', { text: 'hi' })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expectStillServing()
  })

  it('a role channel without the role: FORBIDDEN, while a mentor gets in', async () => {
    const student = harness.client({ ...FAST, sub: 'ada', roles: ['student'] })
    const mentor = harness.client({ ...FAST, sub: 'mo', roles: ['mentor'] })
    student.connect()
    mentor.connect()
    const refused = student.channel('dashboard')
    const failed = new Promise((resolve) => refused.onState((state) => state.status === 'failed' && resolve(state.error?.code)))
    refused.subscribe()
    expect(await failed).toBe('FORBIDDEN')
    await watch(mentor, 'dashboard').subscribed
    await expectStillServing()
  })
})

describe('bad frames', () => {
  it('oversized frame: FRAME_TOO_LARGE (a reply when its id can be read) and the connection stays; over four times the limit it closes 1009', async () => {
    const socket = await raw(await harness.token('ada'))
    socket.send({ id: 2, type: 'publish', channel: 'board:1', event: 'big', data: 'x'.repeat(100 * 1024), key: 'k1' })
    expect(codeOf(await socket.frame(replyTo(2)))).toBe('FRAME_TOO_LARGE')
    socket.send({ type: 'publish', id: 5, channel: 'board:1', event: 'big', data: 'x'.repeat(100 * 1024), key: 'k1' })
    expect(codeOf(await socket.frame((frame) => frame.type === 'error'))).toBe('FRAME_TOO_LARGE')
    socket.send({ id: 3, type: 'ping' })
    await socket.frame(replyTo(3))
    socket.send({ id: 4, type: 'publish', channel: 'board:1', event: 'huge', data: 'x'.repeat(300 * 1024), key: 'k2' })
    expect((await socket.closed).code).toBe(1009)
    await expectStillServing()
  })

  it('malformed JSON: BAD_REQUEST error frame, and the connection stays', async () => {
    const socket = await raw(await harness.token('ada'))
    socket.send('{"id":2,"type":"subscribe",')
    expect(codeOf(await socket.frame((frame) => frame.type === 'error'))).toBe('BAD_REQUEST')
    socket.send({ id: 3, type: 'ping' })
    expect(await socket.frame(replyTo(3))).toMatchObject({ ok: true })
    await expectStillServing()
  })

  it('unknown command: UNKNOWN_COMMAND reply', async () => {
    const socket = await raw(await harness.token('ada'))
    socket.send({ id: 2, type: 'shutdown_server' })
    expect(codeOf(await socket.frame(replyTo(2)))).toBe('UNKNOWN_COMMAND')
    await expectStillServing()
  })
})

describe('floods', () => {
  it('10,000 subscribe requests: at most 128 subscriptions, then RATE_LIMITED, then closed 4002', async () => {
    const socket = await raw(await harness.token('ada'))
    for (let index = 0; index < 10_000; index++) socket.send({ id: index + 2, type: 'subscribe', channel: `board:${index}` })
    expect((await socket.closed).code).toBe(4002)
    const replies = socket.frames.filter((frame) => frame.type === 'reply' && frame.id > 1)
    const accepted = replies.filter((frame) => frame.type === 'reply' && frame.ok).length
    const codes = new Set(replies.map(codeOf))
    expect(accepted).toBe(128)
    expect(codes).toEqual(new Set([undefined, 'TOO_MANY_SUBSCRIPTIONS', 'RATE_LIMITED']))
    await expectStillServing()
  })

  it('publish flood: only accepted publishes reach subscribers, then closed 4002', async () => {
    const listener = harness.client({ ...FAST, sub: 'lin' })
    listener.connect()
    const flooded = listener.channel('board:flood')
    let delivered = 0
    flooded.on('spam', () => delivered++)
    await watch(listener, 'board:flood').subscribed
    const socket = await raw(await harness.token('ada'))
    for (let index = 0; index < 5000; index++) socket.send({ id: index + 2, type: 'publish', channel: 'board:flood', event: 'spam', data: index, key: `flood-${index}` })
    expect((await socket.closed).code).toBe(4002)
    const accepted = socket.frames.filter((frame) => frame.type === 'reply' && frame.ok && frame.id > 1).length
    expect(socket.frames.some((frame) => codeOf(frame) === 'RATE_LIMITED')).toBe(true)
    expect(accepted).toBeLessThan(5000)
    await expect.poll(() => delivered).toBe(accepted)
    await expectStillServing()
  })
})

describe('SSE upstream', () => {
  it("a stolen session id with another user's token: 403 FORBIDDEN, and the owner's stream goes on", async () => {
    const victim = harness.client({ ...FAST, sub: 'ada', transports: ['sse'] })
    victim.connect()
    const victimSeen = watch(victim, 'user:ada')
    await victimSeen.subscribed
    const session = harness.server.clients.find((client) => client.user === 'ada')!.id
    const response = await fetch(`${harness.server.url}/sse/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await harness.token('mallory')}`, 'lifeline-session': session },
      body: JSON.stringify({ id: 99, type: 'subscribe', channel: 'user:ada' }),
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    await harness.server.publish('user:ada', 'n', { n: 1 })
    await expect.poll(() => victimSeen.received).toEqual([1])
    expect(harness.server.clients.find((client) => client.id === session)?.channels).toEqual(['user:ada'])
    await expectStillServing()
  })
})

describe('origins', () => {
  it('a disallowed origin is refused on WebSocket (403) and SSE (ORIGIN_NOT_ALLOWED); an allowed one gets in', async () => {
    await harness.close()
    await start({ allowedOrigins: ['https://app.example'] })
    await expect(WsClient.open(harness.server, { origin: 'https://evil.example' })).rejects.toThrow('upgrade refused with 403')
    const token = await harness.token('ada')
    expect(await ticketWith(`Bearer ${token}`, { origin: 'https://evil.example' })).toEqual({ status: 403, code: 'ORIGIN_NOT_ALLOWED' })
    await WsClient.open(harness.server, { origin: 'https://app.example' })
    expect(await ticketWith(`Bearer ${token}`, { origin: 'https://app.example' })).toEqual({ status: 200, code: undefined })
    await expectStillServing()
  })
})
