import { describe, expect, it } from 'vitest'
import { RealtimeClient } from '../realtimeClient'
import { DEFAULT_OPTIONS, type RealtimeClientOptions } from '../options'
import { FakeServer } from './support/fakeServer'

const { WebSocket, EventSource, fetch } = new FakeServer()
const valid: RealtimeClientOptions = { url: 'https://rt.example.com', WebSocket, EventSource, fetch, storage: null, lifecycleTarget: null }

describe('RealtimeClient options', () => {
  it('accepts a minimal configuration and never connects on construction', () => {
    const server = new FakeServer()
    new RealtimeClient({ ...valid, WebSocket: server.WebSocket })
    expect(server.sockets).toHaveLength(0)
  })

  it.each<[string, Partial<RealtimeClientOptions>]>([
    ['a missing url', { url: undefined as unknown as string }],
    ['a url without http(s)', { url: 'ftp://rt.example.com' }],
    ['a WebSocket url (use http(s), the client derives ws(s))', { url: 'wss://rt.example.com' }],
    ['an empty transport list', { transports: [] }],
    ['an unknown transport', { transports: ['carrier-pigeon' as 'sse'] }],
    ['a negative queueSize', { queueSize: -1 }],
    ['a NaN connectTimeoutMs', { connectTimeoutMs: Number.NaN }],
    ['a string where a number belongs', { minUptimeMs: '5000' as unknown as number }],
    ['a getToken that is not a function', { getToken: 'token' as never }],
    ['no WebSocket constructor while websocket is a transport', { WebSocket: undefined }],
    ['no EventSource constructor while sse is a transport', { EventSource: undefined }],
    ['no fetch while sse is a transport', { fetch: undefined }],
  ])('throws TypeError for %s', (_case, override) => {
    expect(() => new RealtimeClient({ ...valid, ...override })).toThrow(TypeError)
  })

  it('needs only the constructors of the transports it uses', () => {
    expect(() => new RealtimeClient({ ...valid, transports: ['sse'], WebSocket: undefined })).not.toThrow()
    expect(() => new RealtimeClient({ ...valid, transports: ['websocket'], EventSource: undefined, fetch: undefined })).not.toThrow()
  })

  it('documents one default per option', () => {
    expect(DEFAULT_OPTIONS).toMatchObject({ transports: ['websocket', 'sse'], connectTimeoutMs: 5000, queueSize: 100, maxReconnectAttempts: Infinity })
  })
})
