import { describe, expect, it } from 'vitest'
import { closeAfterTest, request, requestTicket, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { eventually, mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

/** The channel offsets of received messages, in order. */
const offsetsOf = (messages: { pos: { offset: number } }[]) => messages.map((message) => message.pos.offset)

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
