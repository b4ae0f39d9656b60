import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ScriptedWebSocket } from './support/scriptedWebSocket'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork } from './support/testNetwork'

// A server (or something posing as one) that sends frames of a known type with fields missing.

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

/**
 * A server that answers `connect` properly once `connectOk` is set, and every other command with
 * `{type: 'reply', id, ok: true}` and no `result`.
 */
class ResultlessWebSocket extends ScriptedWebSocket {
  static opened = 0
  static connectOk = false
  constructor(url: string) {
    super(url)
    ResultlessWebSocket.opened += 1
    setTimeout(() => this.onopen?.(), 1)
  }
  override send(text: string) {
    const { id, type } = JSON.parse(text) as { id: number; type: string }
    const result = type === 'connect' && ResultlessWebSocket.connectOk ? { result: { session: 's1', heartbeatMs: 25_000 } } : {}
    setTimeout(() => this.onmessage?.({ data: JSON.stringify({ type: 'reply', id, ok: true, ...result }) }), 1)
  }
}

describe('a connect reply without its result', () => {
  it('fails the attempt as PROTOCOL_ERROR and retries with backoff, instead of hanging in connecting', async () => {
    Object.assign(ResultlessWebSocket, { opened: 0, connectOk: false })
    const { client } = testClient({ WebSocket: ResultlessWebSocket as unknown as typeof WebSocket, reconnectDelay: () => 1000 })
    client.connect()
    await settle(2)
    // Its only transport failed: that counts as a server down, with the protocol error as the cause.
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', error: { code: 'SERVER_UNREACHABLE', cause: { code: 'PROTOCOL_ERROR' } } })
    await settle(1000)
    expect(ResultlessWebSocket.opened).toBe(2)
  })
})

describe('a subscribe reply without its result', () => {
  it('ends the connection as PROTOCOL_ERROR, and the client reconnects with backoff', async () => {
    Object.assign(ResultlessWebSocket, { opened: 0, connectOk: true })
    const { client, errors } = testClient({ WebSocket: ResultlessWebSocket as unknown as typeof WebSocket, reconnectDelay: () => 1000 })
    client.connect()
    await settle(2)
    expect(client.getSnapshot().status).toBe('connected')
    client.channel('board:1').subscribe()
    await settle(4)
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', error: { code: 'PROTOCOL_ERROR' } })
    expect(errors).toEqual(['PROTOCOL_ERROR'])
    await settle(1000)
    expect(ResultlessWebSocket.opened).toBe(2)
  })
})
