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

  it('terminates a WebSocket peer that stops answering transport pings', async () => {
    const server = await startServer({ heartbeatMs: 100 })
    const silent = await WsClient.open(server, { autoPong: false })
    await silent.command('connect', { v: PROTOCOL_VERSION, token: await mintToken('ada') })
    expect((await silent.closed).code).toBe(1006)
    await eventually(() => expect(server.clients).toEqual([]))
  })
})
