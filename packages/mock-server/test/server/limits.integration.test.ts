import { type ErrorFrame, type ReplyFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

/** A ping command padded to about `bytes` bytes of JSON. */
const paddedPing = (id: number, bytes: number) => JSON.stringify({ id, type: 'ping', padding: 'x'.repeat(bytes) })

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
