import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { blockedWebSocket } from '../blockedWebSocket'
import type { KeyValueStorage } from '../options'
import { FakeServer } from './support/fakeServer'
import { settle, testClient } from './support/testClient'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function memoryStorage(): KeyValueStorage & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  }
}

describe('blockedWebSocket', () => {
  it('remembers a blocked origin in storage until the TTL runs out', () => {
    const storage = memoryStorage()
    blockedWebSocket('https://rt.example.com/base', 60_000, Date.now, storage).remember()
    // Another page load of the same origin (another path) sees it.
    const later = blockedWebSocket('https://rt.example.com/other', 60_000, Date.now, storage)
    expect(later.blocked).toBe(true)
    expect(blockedWebSocket('https://elsewhere.example.com', 60_000, Date.now, storage).blocked).toBe(false)
    vi.advanceTimersByTime(60_001)
    expect(later.blocked).toBe(false)
  })

  it('forgets the origin once WebSocket works again', () => {
    const storage = memoryStorage()
    const memory = blockedWebSocket('https://rt.example.com', 60_000, Date.now, storage)
    memory.remember()
    memory.forget()
    expect(storage.items.size).toBe(0)
    expect(blockedWebSocket('https://rt.example.com', 60_000, Date.now, storage).blocked).toBe(false)
  })

  it('keeps working in memory when storage throws (quota, revoked access)', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
      removeItem: () => {
        throw new Error('SecurityError')
      },
    }
    const memory = blockedWebSocket('https://rt.example.com', 60_000, Date.now, broken)
    memory.remember()
    expect(memory.blocked).toBe(true)
  })
})

describe('transport fallback with blocked-WebSocket memory', () => {
  const bothTransports = (server: FakeServer, storage: KeyValueStorage) =>
    testClient({ transports: ['websocket', 'sse'], EventSource: server.EventSource, fetch: server.fetch, storage, upgradeDelay: { minMs: 60_000, maxMs: 60_000 } }, server)

  it('falls back to SSE when the upgrade fails, and the next page load skips WebSocket', async () => {
    const storage = memoryStorage()
    const server = new FakeServer()
    server.mode = 'refuse'
    const first = bothTransports(server, storage)
    const transports: string[] = []
    first.client.on('transport', ({ transport }) => transports.push(transport))
    first.client.connect()
    await settle()
    expect(first.client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' })
    expect(transports).toEqual(['sse'])
    first.client.disconnect()

    const second = bothTransports(server, storage)
    second.client.connect()
    await settle()
    expect(second.client.getSnapshot().transport).toBe('sse')
    expect(server.sockets).toHaveLength(1)
  })

  it('still tries WebSocket, last, when the origin is remembered as blocked but SSE fails', async () => {
    const storage = memoryStorage()
    blockedWebSocket('https://rt.example.com', 60_000, Date.now, storage).remember()
    const server = new FakeServer()
    server.sseMode = 'refuse'
    const { client } = bothTransports(server, storage)
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket' })
    expect(server.streams).toHaveLength(0)
    expect(storage.items.size).toBe(0)
  })

  it('falls back to SSE after connectTimeoutMs when the upgrade is accepted but nothing comes back', async () => {
    const server = new FakeServer()
    server.mode = 'silent'
    const { client, errors } = bothTransports(server, memoryStorage())
    client.connect()
    await settle(4999)
    expect(client.getSnapshot().status).toBe('connecting')
    server.mode = 'accept'
    await settle(1)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' })
    expect(errors).toEqual([])
    expect(server.sockets[0]!.open).toBe(false)
  })

  it('probes WebSocket in the background while on SSE and moves over when it works', async () => {
    const server = new FakeServer()
    server.mode = 'refuse'
    const { client } = testClient({ transports: ['websocket', 'sse'], EventSource: server.EventSource, fetch: server.fetch, storage: memoryStorage(), upgradeDelay: { minMs: 10_000, maxMs: 80_000 } }, server)
    client.connect()
    await settle()
    await settle(7500) // random() is 0.5: the probe comes after 3/4 of minMs
    expect(server.sockets).toHaveLength(2)
    server.mode = 'accept'
    await settle(15_000)
    expect(client.getSnapshot().transport).toBe('websocket')
    expect(server.streams[0]!.open).toBe(false)
  })

  it('counts a WebSocket that keeps dying right after the handshake as blocked (flapping)', async () => {
    const server = new FakeServer()
    const { client } = testClient(
      { transports: ['websocket', 'sse'], EventSource: server.EventSource, fetch: server.fetch, maxFlaps: 3, reconnectDelay: () => 100, upgradeDelay: { minMs: 60_000 } },
      server,
    )
    client.connect()
    for (let flap = 0; flap < 3; flap++) {
      await settle()
      expect(client.getSnapshot().transport).toBe('websocket')
      server.socket.drop()
      await settle(100)
    }
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' })
  })

  it('backs off and starts again from WebSocket when every transport fails (server down, not blocked)', async () => {
    const storage = memoryStorage()
    const server = new FakeServer()
    server.mode = 'refuse'
    server.sseMode = 'refuse'
    const { client, errors } = bothTransports(server, storage)
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1 })
    server.mode = 'accept'
    server.sseMode = 'accept'
    await settle(client.getSnapshot().retryAt! - Date.now())
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'websocket' })
    expect(errors).toEqual(['INTERNAL'])
    expect(storage.items.size).toBe(0)
  })
})
