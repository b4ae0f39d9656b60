import { CloseCode, type MessageFrame, type ServerFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { PollClient, pollConnect, request, type HttpResult } from '@lifeline/testkit/raw'
import { mintToken, TestClock, useIntegrationHooks } from '../server/support'
import { HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

const dataOf = (frames: ServerFrame[]) => frames.filter((frame): frame is MessageFrame => frame.type === 'message').map((frame) => frame.data)

/**
 * A poll the server is holding for sure: two polls with the same ack and nothing to send, so the
 * one that came second answers the first with an empty batch and is held itself.
 */
async function heldPoll(client: PollClient): Promise<{ answer: Promise<HttpResult> }> {
  const ack = client.seq
  const polls = [client.poll({ ack }), client.poll({ ack })]
  const first = await Promise.race(polls.map((poll, index) => poll.then((answer) => ({ answer, index }))))
  expect(first.answer).toMatchObject({ status: 200, body: { seq: ack, frames: [] } })
  // Wrapped: an async function returning a promise would wait for it.
  return { answer: polls[1 - first.index]! }
}

describe.each(HOSTS)('long-polling on the %s host', (kind) => {
  describe('handshake', () => {
    it('answers POST /poll/connect at once with seq 1: the connect reply, with the session and heartbeat', async () => {
      const host = await startHost(kind, { heartbeatMs: 30_000 })
      const answer = await pollConnect(host, await mintToken('ada'), { id: 7, type: 'connect', v: 1 })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({
        seq: 1,
        frames: [{ type: 'reply', id: 7, ok: true, result: { session: expect.stringMatching(/^s_/), heartbeatMs: 30_000, expiresInMs: expect.any(Number) } }],
      })
      expect(host.clients).toMatchObject([{ transport: 'long-polling', user: 'ada', channels: [] }])
    })

    it('refuses a bad handshake with the status and error of the SSE ticket', async () => {
      const host = await startHost(kind)
      const token = await mintToken('ada')
      const cases: [string | undefined, string | object, number, string][] = [
        [undefined, { id: 1, type: 'connect', v: 1 }, 401, 'UNAUTHORIZED'],
        ['not-a-token', { id: 1, type: 'connect', v: 1 }, 401, 'UNAUTHORIZED'],
        [token, '{oops', 400, 'BAD_REQUEST'],
        [token, { id: 1, type: 'ping' }, 400, 'BAD_REQUEST'],
        [token, { id: 1, type: 'connect', v: 2 }, 400, 'UNSUPPORTED_VERSION'],
      ]
      for (const [sent, body, status, code] of cases) {
        const answer = await pollConnect(host, sent, body)
        expect([answer.status, answer.body.error?.code], JSON.stringify(body)).toEqual([status, code])
      }
      expect(host.clients).toEqual([])
    })
  })

  describe('delivery', () => {
    it('carries subscribe, publish and their messages in order, with commands sent by POST /sse/send', async () => {
      const host = await startHost(kind)
      const client = await PollClient.connect(host, await mintToken('ada'))
      expect(await client.command('subscribe', { channel: 'board:1' })).toMatchObject({ ok: true, result: { position: { offset: 0 } } })
      for (let n = 1; n <= 3; n++) await host.publish('board:1', 'move', n)
      const own = await client.command('publish', { channel: 'board:1', event: 'move', data: 4, key: 'k4' })
      expect(own).toMatchObject({ ok: true, result: { position: { offset: 4 }, duplicate: false } })
      await client.pollUntil((frame) => frame.type === 'message' && frame.data === 4, 'message 4')
      expect(dataOf(client.frames)).toEqual([1, 2, 3, 4])
      expect(client.messages('board:1').map((message) => message.pos.offset)).toEqual([1, 2, 3, 4])
      // Frames are numbered per session from 1, without holes, across batches.
      expect(client.batches.flatMap((batch) => batch.frames).length).toBe(client.seq)
    })

    it('answers with every frame waiting since the last poll in one batch', async () => {
      const host = await startHost(kind)
      const client = await PollClient.connect(host, await mintToken('ada'))
      await client.command('subscribe', { channel: 'leaderboard' })
      const before = client.seq
      for (let n = 1; n <= 5; n++) await host.publish('leaderboard', 'score', n)
      const answer = await client.poll()
      expect(answer.status).toBe(200)
      expect(answer.body.seq).toBe(before + 5)
      expect(dataOf(answer.body.frames)).toEqual([1, 2, 3, 4, 5])
    })

    it('holds a poll with nothing to send: a newer poll answers it with an empty batch, a frame answers the newer one', async () => {
      const host = await startHost(kind, { clock: new TestClock() })
      const client = await PollClient.connect(host, await mintToken('ada'))
      await client.command('subscribe', { channel: 'leaderboard' })
      const held = await heldPoll(client)
      await host.publish('leaderboard', 'score', 1)
      expect(dataOf((await held.answer).body.frames)).toEqual([1])
    })

    it('answers a held poll with an empty batch at the end of pollMs', async () => {
      const clock = new TestClock()
      const host = await startHost(kind, { clock, heartbeatMs: 10_000, pollMs: 2_000 })
      const client = await PollClient.connect(host, await mintToken('ada'))
      const held = await heldPoll(client)
      clock.advance(2_000)
      expect(await held.answer).toMatchObject({ status: 200, body: { seq: 1, frames: [] } })
    })

    it('queues the heartbeat ping like any frame', async () => {
      const clock = new TestClock()
      const host = await startHost(kind, { clock, heartbeatMs: 200 })
      const client = await PollClient.connect(host, await mintToken('ada'))
      const ping = await client.pollUntil((frame) => frame.type === 'ping', 'ping')
      expect(ping).toEqual({ type: 'ping' })
    })
  })

  describe('acknowledgements', () => {
    it('sends a batch again to the next poll with the same ack, when its response was lost', async () => {
      const host = await startHost(kind)
      const client = await PollClient.connect(host, await mintToken('ada'))
      await client.command('subscribe', { channel: 'leaderboard' })
      const acked = client.seq
      await host.publish('leaderboard', 'score', 1)
      await host.publish('leaderboard', 'score', 2)
      const lost = await client.poll({ ack: acked })
      await host.publish('leaderboard', 'score', 3)
      const again = await client.poll({ ack: acked })
      expect(dataOf(lost.body.frames)).toEqual([1, 2])
      expect(again.body.frames.slice(0, 2)).toEqual(lost.body.frames)
      expect(dataOf(again.body.frames)).toEqual([1, 2, 3])
      expect(again.body.seq).toBe(acked + 3)
      // Once acknowledged, frames are forgotten: an ack behind them is refused.
      await client.post({ id: 50, type: 'ping' })
      const next = await client.poll({ ack: again.body.seq })
      expect(next.body.frames).toEqual([{ type: 'reply', id: 50, ok: true, result: {} }])
      const behind = await client.poll({ ack: acked })
      expect([behind.status, behind.body.error.code]).toEqual([400, 'BAD_REQUEST'])
    })

    it('refuses an ack past the last frame sent, and a body that is not {ack}', async () => {
      const host = await startHost(kind)
      const client = await PollClient.connect(host, await mintToken('ada'))
      const ahead = await client.poll({ ack: 5 })
      expect([ahead.status, ahead.body.error.code]).toEqual([400, 'BAD_REQUEST'])
      expect(ahead.body.error.message).toContain('ack 5')
      for (const body of ['{"ack":-1}', '{"ack":"1"}', '{}', 'nope']) {
        const answer = await request(host, '/poll', { method: 'POST', headers: { authorization: `Bearer ${client.token}`, 'lifeline-session': client.session }, body })
        expect([answer.status, answer.body.error.code], body).toEqual([400, 'BAD_REQUEST'])
      }
    })
  })

  describe('session end', () => {
    it('closes a session nobody polls for heartbeatMs + pollMs, and answers 404 afterwards', async () => {
      const clock = new TestClock()
      const host = await startHost(kind, { clock, heartbeatMs: 10_000, pollMs: 2_000 })
      const client = await PollClient.connect(host, await mintToken('ada'))
      clock.advance(11_000)
      expect(host.clients).toHaveLength(1)
      clock.advance(1_000)
      expect(host.clients).toEqual([])
      const late = await client.poll()
      expect([late.status, late.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
    })

    it('keeps a session alive while it is polled', async () => {
      const clock = new TestClock()
      const host = await startHost(kind, { clock, heartbeatMs: 10_000, pollMs: 2_000 })
      const client = await PollClient.connect(host, await mintToken('ada'))
      for (let round = 0; round < 3; round++) {
        clock.advance(11_000)
        await client.post({ id: 70 + round, type: 'ping' })
        expect((await client.poll()).status).toBe(200)
      }
      expect(host.clients).toHaveLength(1)
    })

    it('leaves the disconnect advice of a session the server ended for the next poll, then answers 404', async () => {
      const host = await startHost(kind)
      const client = await PollClient.connect(host, await mintToken('ada'))
      host.disconnectAll({ code: CloseCode.SHUTDOWN, reason: 'maintenance', retryAfterMs: 500 })
      const last = await client.poll()
      expect(last.body.frames).toEqual([{ type: 'disconnect', code: CloseCode.SHUTDOWN, reason: 'maintenance', retryAfterMs: 500 }])
      const gone = await client.poll()
      expect([gone.status, gone.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
      expect(host.clients).toEqual([])
    })

    it('answers a held poll with the disconnect advice as soon as the session ends', async () => {
      const host = await startHost(kind, { clock: new TestClock() })
      const client = await PollClient.connect(host, await mintToken('ada'))
      const held = await heldPoll(client)
      host.clients[0]!.disconnect(CloseCode.RECONNECT, 'move along')
      expect((await held.answer).body.frames).toEqual([{ type: 'disconnect', code: CloseCode.RECONNECT, reason: 'move along' }])
    })
  })

  describe('refusals', () => {
    it('refuses polls without a valid token (401), for another user (403), without or with an unknown session (404)', async () => {
      const host = await startHost(kind)
      const client = await PollClient.connect(host, await mintToken('ada'))
      const noToken = await request(host, '/poll', { method: 'POST', headers: { 'lifeline-session': client.session }, body: '{"ack":1}' })
      expect([noToken.status, noToken.body.error.code]).toEqual([401, 'UNAUTHORIZED'])
      const otherUser = await client.poll({ token: await mintToken('mallory') })
      expect([otherUser.status, otherUser.body.error.code]).toEqual([403, 'FORBIDDEN'])
      const noSession = await request(host, '/poll', { method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: '{"ack":1}' })
      expect([noSession.status, noSession.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
      const unknown = await client.poll({ session: 's_unknown' })
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
      // None of them touched the session.
      expect((await client.command('ping', {})).ok).toBe(true)
    })

    it('refuses GET on the long-polling routes with 405 and the allowed method', async () => {
      const host = await startHost(kind)
      for (const path of ['/poll', '/poll/connect']) {
        const answer = await request(host, path)
        expect([answer.status, answer.body.error.code, answer.headers.get('allow')], path).toEqual([405, 'METHOD_NOT_ALLOWED', 'POST'])
      }
    })
  })
})
