import { EventSource } from 'eventsource'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RealtimeClient } from '../realtimeClient'
import { UnauthorizedError } from '../errors'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, testNetwork } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
  vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('RealtimeClient', () => {
  it("uses the browser's own WebSocket, EventSource and fetch when none are passed", async () => {
    // msw patches the page's WebSocket and fetch; jsdom has no EventSource of its own.
    const network = testNetwork()
    vi.stubGlobal('EventSource', EventSource)
    const fetchToken = async () => 'token-for-ada'
    const render = vi.fn()
    // sample: browser-client
    const client = new RealtimeClient({
      url: 'https://rt.example.com',
      async getToken() {
        try {
          return await fetchToken()
        } catch (error) {
          // Signed out: stop instead of retrying. Any other error is retried with backoff.
          throw new UnauthorizedError('signed out', { cause: error })
        }
      },
    })
    client.connect()
    const leaderboard = client.channel<{ scores: { user: string; points: number }[] }>('leaderboard')
    const release = leaderboard.subscribe() // call release() when the view goes away
    leaderboard.on('scores', (scores) => render(scores))
    // end sample
    await settle()
    await network.mock.publish('leaderboard', 'scores', [{ user: 'ada', points: 3 }])
    await settle()
    expect(render).toHaveBeenCalledWith([{ user: 'ada', points: 3 }])
    expect(network.sent('connect')).toEqual([expect.objectContaining({ token: 'token-for-ada' })])
    release()
    client.disconnect()
  })

  it('connects, reports each status change once, and keeps the snapshot object until something changes', async () => {
    const { client } = testClient()
    const statuses: string[] = []
    client.on('status', ({ status, prevStatus }) => statuses.push(`${prevStatus}→${status}`))
    const before = client.getSnapshot()
    expect(before.status).toBe('idle')
    client.connect()
    client.connect() // no-op while started
    await settle()
    expect(statuses).toEqual(['idle→connecting', 'connecting→connected'])
    const connected = client.getSnapshot()
    await settle(1000)
    expect(client.getSnapshot()).toBe(connected)
    client.disconnect()
    expect(statuses.at(-1)).toBe('connected→disconnected')
  })

  it('stops delivering events to a handler after its unsubscribe', async () => {
    const { client } = testClient()
    const statuses: string[] = []
    const off = client.on('status', ({ status }) => statuses.push(status))
    const watcher = vi.fn()
    const unwatch = client.onState(watcher)
    off()
    unwatch()
    client.connect()
    await settle()
    expect(statuses).toEqual([])
    expect(watcher).not.toHaveBeenCalled()
  })

  it('keeps working when app listeners throw', async () => {
    const { network, client } = testClient()
    client.on('status', () => {
      throw new Error('bug in app')
    })
    client.onState(() => {
      throw new Error('bug in app')
    })
    const channel = client.channel('board:1')
    const seen: unknown[] = []
    channel.on('moved', () => {
      throw new Error('bug in app')
    })
    channel.on('moved', (data) => seen.push(data))
    channel.onState(() => {
      throw new Error('bug in app')
    })
    channel.subscribe()
    client.connect()
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    await network.mock.publish('board:1', 'moved', 2)
    await settle()
    expect(client.getSnapshot().status).toBe('connected')
    expect(seen).toEqual([1, 2])
    expect(console.error).toHaveBeenCalledWith('[lifeline] a listener threw', expect.any(Error))
  })

  it.each([
    ['text that is not JSON', 'not json{'],
    ['JSON that is not a frame', '[1,2,3]'],
    ['a frame of an unknown type', '{"type":"surprise"}'],
    ['null', 'null'],
  ])('answers %s with a PROTOCOL_ERROR event and a reconnect, never an exception', async (_case, raw) => {
    const { network, client, errors } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    network.socket.push(raw)
    await settle()
    expect(errors).toEqual(['PROTOCOL_ERROR'])
    expect(network.sockets[0]!.open).toBe(false)
    await settle(100)
    expect(client.getSnapshot().status).toBe('connected')
    expect(network.sockets).toHaveLength(2)
  })

  it('reports server error frames without dropping the connection', async () => {
    const { network, client, errors } = testClient()
    client.connect()
    await settle()
    network.socket.push({ type: 'error', error: { code: 'FRAME_TOO_LARGE', message: 'too big' } })
    await settle()
    expect(errors).toEqual(['FRAME_TOO_LARGE'])
    expect(network.socket.open).toBe(true)
  })

  it('pings a quiet link every 9 s and keeps it while the answers come (a server that never pings)', async () => {
    const { network, client } = testClient({}, testNetwork({ heartbeatMs: 600_000 }))
    client.connect()
    await settle()
    // 1 s answer deadline (the floor, on a link this fast), so a ping after 9 s of silence: at 9, 18, … 54 s.
    await settle(8999)
    expect(network.sent('ping')).toEqual([])
    await settle(1)
    expect(network.sent('ping')).toHaveLength(1)
    await settle(51_000)
    expect(network.sent('ping')).toHaveLength(6)
    expect(network.sockets).toHaveLength(1)
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('gives a slow link four round trips to answer its ping, so it pings it sooner', async () => {
    // Every frame from the server arrives 500 ms late: a round trip of 500 ms, 2 s to answer, so
    // the ping goes out after 8 s of silence (9 s on a fast link).
    const network = testNetwork({ heartbeatMs: 600_000 })
    network.mock.faults.webSocketDelayMs = 500
    const { client } = testClient({}, network)
    client.connect()
    await settle(500)
    expect(client.stats()).toMatchObject({ status: 'connected', rttMs: 500 })
    await settle(7999)
    expect(network.sent('ping')).toEqual([])
    await settle(1)
    expect(network.sent('ping')).toHaveLength(1)
  })

  it('finds a link gone silent within livenessMs, drops it and reconnects', async () => {
    const { network, client, errors } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    await settle(3000)
    network.socket.push({ type: 'ping' })
    await settle()
    // The link goes silent right after that frame: nothing in, nothing out.
    network.mock.silenceWebSocketNow()
    await settle(9999)
    expect(network.sockets[0]!.open).toBe(true)
    await settle(1)
    expect(errors).toEqual(['TRANSPORT_CLOSED'])
    expect(network.sockets[0]!.open).toBe(false)
    await settle(100)
    expect(client.getSnapshot().status).toBe('connected')
  })

  it("answers the server's pings with a pong over WebSocket, which keeps the link from needing a ping of its own", async () => {
    const { network, client } = testClient({}, testNetwork({ heartbeatMs: 5000 }))
    client.connect()
    await settle()
    await settle(30_000)
    expect(network.socket.received.filter((frame) => frame.type === 'pong')).toHaveLength(6)
    expect(network.sent('ping')).toEqual([])
  })

  it('stops for good on a "stop" close code (4300 FORBIDDEN) and reports it', async () => {
    const { network, client, errors } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    network.mock.disconnectAll({ code: 4300 })
    await settle(60_000)
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'FORBIDDEN', retryable: false } })
    expect(errors).toEqual(['FORBIDDEN'])
    expect(network.sockets).toHaveLength(1)
  })

  it('ready() resolves once connected, rejects with TIMEOUT, or with the terminal error', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    network.mock.faults.refuseWebSocket = true
    client.connect()
    const late = expect(client.ready(1000)).rejects.toMatchObject({ code: 'TIMEOUT' })
    await settle(1000)
    await late
    const ready = client.ready()
    network.mock.faults.refuseWebSocket = false
    await settle(100)
    await expect(ready).resolves.toBeUndefined()

    const refused = testClient({ getToken: () => Promise.reject(new (class extends Error {})()), maxReconnectAttempts: 0 })
    refused.client.connect()
    await expect(refused.client.ready()).rejects.toMatchObject({ code: 'MAX_ATTEMPTS' })
  })

  it('counts frames, reconnects and the round-trip time in stats()', async () => {
    const { network, client } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    network.socket.push({ type: 'ping' })
    await settle()
    network.socket.drop()
    await settle(100)
    // sample: stats
    expect(client.stats()).toEqual({ status: 'connected', transport: 'websocket', rttMs: 0, reconnects: 1, framesIn: 3, framesOut: 3 })
    // end sample
  })
})
