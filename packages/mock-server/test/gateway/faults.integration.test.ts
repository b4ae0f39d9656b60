import { describe, expect, it } from 'vitest'
import { openRawStream, PollClient, pollConnect, request, SseClient } from '@lifeline/testkit/raw'
import { eventually, mintToken, TestClock, useIntegrationHooks } from '../server/support'
import { connectGlobalWebSocket, HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

describe.each(HOSTS)('fault switches on the %s host', (kind) => {
  it('bufferSse sends the headers, then holds every byte until the stream ends, like a buffering proxy', async () => {
    const host = await startHost(kind)
    host.faults.bufferSse = true
    const stream = await openRawStream(host, await mintToken('grace'))
    expect(stream.status).toBe(200)
    await host.connected()
    await host.publish('leaderboard', 'score', 1)
    // A full round trip after those writes, and still nothing of the stream.
    expect((await request(host, '/healthz')).status).toBe(200)
    expect(stream.text()).toBe('')
    host.disconnectAll({ retryAfterMs: 100 })
    await eventually(() => expect(stream.text()).toContain('"type":"disconnect"'))
    expect(stream.text()).toMatch(/^retry: \d+\n\ndata: \{"type":"reply","id":1,"ok":true.*\n\ndata: \{"type":"disconnect","code":4101/s)
  })

  it('bufferSse leaves the streams opened before it alone', async () => {
    const host = await startHost(kind)
    const before = await SseClient.connect(host, await mintToken('ada'))
    await before.command(host, 'subscribe', { channel: 'leaderboard' })
    host.faults.bufferSse = true
    await host.publish('leaderboard', 'score', 1)
    expect((await before.messagesOf('leaderboard', 1))[0]!.data).toBe(1)
  })

  it('dropPoll refuses long-polling with 503 UNAVAILABLE, and open sessions poll again once it is off', async () => {
    const host = await startHost(kind, { clock: new TestClock() })
    const client = await PollClient.connect(host, await mintToken('ada'))
    host.faults.dropPoll = true
    const connect = await pollConnect(host, await mintToken('grace'))
    expect([connect.status, connect.body.error.code]).toEqual([503, 'UNAVAILABLE'])
    const poll = await client.poll()
    expect([poll.status, poll.body.error.code]).toEqual([503, 'UNAVAILABLE'])
    host.faults.dropPoll = false
    expect((await client.command('ping', {})).ok).toBe(true)
  })

  it('silenceWebSocketNow() silences live WebSockets both ways, and leaves new ones alone', async () => {
    const host = await startHost(kind)
    const silenced = await connectGlobalWebSocket(host, await mintToken('ada'))
    await silenced.command('subscribe', { channel: 'leaderboard' })
    expect(host.silenceWebSocketNow()).toBe(1)
    const pingId = silenced.commandNoWait('ping', {})
    const healthy = await connectGlobalWebSocket(host, await mintToken('grace'))
    await healthy.command('subscribe', { channel: 'leaderboard' })
    await host.publish('leaderboard', 'score', 1)
    // The healthy socket got the message: the silenced one, subscribed before, did not.
    await healthy.messagesOf('leaderboard', 1)
    expect(silenced.messages()).toEqual([])
    expect(silenced.frames.some((frame) => frame.type === 'reply' && frame.id === pingId)).toBe(false)
    // The session lives on until the client gives up on the socket.
    expect(host.clients.map((client) => client.user)).toEqual(['ada', 'grace'])
    silenced.socket.close()
    await eventually(() => expect(host.clients.map((client) => client.user)).toEqual(['grace']))
  })
})
