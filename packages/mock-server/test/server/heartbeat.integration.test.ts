import { PROTOCOL_VERSION } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { openRawStream, SseClient, WsClient } from '@lifeline/testkit/raw'
import { ManualClock } from './manualClock'
import { eventually, mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('heartbeats', () => {
  it('pings a WebSocket client with ping frames and WebSocket-level pings at the heartbeat interval', async () => {
    const server = await startServer({ heartbeatMs: 100 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    let transportPings = 0
    client.socket.on('ping', () => (transportPings += 1))
    await eventually(() => expect(client.frames.filter((frame) => frame.type === 'ping').length).toBeGreaterThanOrEqual(3))
    await eventually(() => expect(transportPings).toBeGreaterThanOrEqual(2))
  })

  it('sends SSE comment lines and a ping event at the heartbeat interval', async () => {
    const server = await startServer({ heartbeatMs: 100 })
    const stream = await openRawStream(server, await mintToken('grace'))
    expect(stream.status).toBe(200)
    await eventually(() => expect(stream.text()).toMatch(/^retry: \d+\n\ndata: \{"type":"reply","id":1,"ok":true/))
    await eventually(() => expect(stream.text()).toContain(': hb\n\ndata: {"type":"ping"}\n\n'))
    const client = await SseClient.connect(server, await mintToken('grace'))
    await client.frame((frame) => frame.type === 'ping', 'ping')
  })

  it('skips both heartbeats while the client sends frames of its own, and pings again once it goes quiet', async () => {
    const clock = new ManualClock()
    const server = await startServer({ clock, heartbeatMs: 10_000 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    let transportPings = 0
    client.socket.on('ping', () => (transportPings += 1))
    // The client pings every 6 s, as an idle client measuring its link does: four heartbeats come due meanwhile.
    for (let round = 0; round < 8; round += 1) {
      clock.advance(6_000)
      expect(await client.command('ping', {})).toMatchObject({ ok: true })
    }
    // Each reply followed whatever the server had sent before it on the same socket, pings included.
    expect(client.frames.filter((frame) => frame.type === 'ping')).toEqual([])
    expect(transportPings).toBe(0)
    // Quiet from now: the beat 2 s later still skips (a frame 2 s ago), the one after pings in both forms.
    clock.advance(20_000)
    await client.frame((frame) => frame.type === 'ping', 'ping')
    // The WebSocket-level ping goes out just before the ping frame, on the same socket.
    expect(transportPings).toBe(1)
  })

  it('still pings at every beat a client that only answers its pings with pongs', async () => {
    const clock = new ManualClock()
    const server = await startServer({ clock, heartbeatMs: 10_000 })
    const client = await WsClient.connect(server, await mintToken('ada'))
    for (let beat = 1; beat <= 3; beat += 1) {
      clock.advance(beat === 1 ? 10_000 : 9_900)
      await client.frame(() => client.frames.filter((frame) => frame.type === 'ping').length === beat, `ping ${beat}`)
      // The pong leaves a round trip after the ping, so the next beat is due less than heartbeatMs after it.
      clock.advance(100)
      const received = server.engine.metrics.messagesIn
      client.send({ type: 'pong' })
      // The server has the pong before time moves on to the next beat.
      await eventually(() => expect(server.engine.metrics.messagesIn).toBe(received + 1))
    }
    expect(await client.command('ping', {})).toMatchObject({ ok: true })
    expect(client.frames.filter((frame) => frame.type === 'ping')).toHaveLength(3)
  })

  it('beats each connection every heartbeatMs from its own handshake, not on one tick shared by all', async () => {
    const clock = new ManualClock()
    const server = await startServer({ clock, heartbeatMs: 10_000 })
    const first = await WsClient.connect(server, await mintToken('ada'))
    clock.advance(4_000)
    const second = await WsClient.connect(server, await mintToken('grace'))
    const pings = (client: WsClient) => client.frames.filter((frame) => frame.type === 'ping').length
    // A WebSocket-level ping's pong follows every frame the server wrote before it, and the server
    // runs in this process, so its beats of an `advance` are written by then. The session never
    // sees transport pings, so this does not count as the client being heard.
    const writtenSoFar = (client: WsClient) => new Promise((resolve) => client.socket.once('pong', resolve).ping())
    clock.advance(6_000)
    await first.frame(() => pings(first) === 1, 'first ping of the first connection')
    await writtenSoFar(second)
    expect(pings(second)).toBe(0)
    clock.advance(4_000)
    await second.frame(() => pings(second) === 1, 'first ping of the second connection')
    await writtenSoFar(first)
    expect(pings(first)).toBe(1)
  })

  it('terminates a WebSocket peer that stops answering transport pings', async () => {
    const server = await startServer({ heartbeatMs: 100 })
    const silent = await WsClient.open(server, { autoPong: false })
    await silent.command('connect', { v: PROTOCOL_VERSION, token: await mintToken('ada') })
    expect((await silent.closed).code).toBe(1006)
    await eventually(() => expect(server.clients).toEqual([]))
  })
})
