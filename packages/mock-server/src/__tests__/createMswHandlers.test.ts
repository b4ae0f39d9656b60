import { RealtimeClient } from '@lifeline/client'
import { EventSource } from 'eventsource'
import { setupServer } from 'msw/node'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { createMswHandlers, DEFAULT_JWT_SECRET, signToken } from '../msw/index'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('createMswHandlers', () => {
  it('refuses a URL the client could not use, and unknown transports', () => {
    expect(() => createMswHandlers({ url: 'ws://localhost' })).toThrow(TypeError)
    expect(() => createMswHandlers({ transports: [] })).toThrow(TypeError)
    expect(() => createMswHandlers({ transports: ['polling' as 'sse'] })).toThrow(TypeError)
  })

  it('mocks WebSocket alone where there is no EventSource', async () => {
    vi.stubGlobal('WebSocket', globalThis.WebSocket ?? WebSocket)
    vi.stubGlobal('EventSource', undefined)
    const mock = createMswHandlers({ url: 'https://realtime.test/v1', transports: ['websocket'] })
    const network = setupServer(...mock.handlers)
    network.listen({ onUnhandledRequest: 'error' })
    const client = new RealtimeClient({ url: mock.url, transports: ['websocket'], storage: null, getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada' }) })
    try {
      client.connect()
      await client.ready(10_000)
      expect(mock.clients).toMatchObject([{ transport: 'websocket', user: 'ada' }])
    } finally {
      client.disconnect()
      await mock.close()
      network.close()
    }
  })

  it('ends an event stream whose ticket is forged, before any frame', async () => {
    vi.stubGlobal('EventSource', EventSource)
    const mock = createMswHandlers()
    const network = setupServer(...mock.handlers)
    network.listen({ onUnhandledRequest: 'error' })
    const source = new EventSource(`${mock.url}/sse?ticket=forged`)
    const frames: string[] = []
    source.onmessage = (event) => frames.push(event.data)
    try {
      await new Promise((resolve) => (source.onerror = resolve))
      expect(frames).toEqual([])
      expect(mock.clients).toEqual([])
    } finally {
      source.close()
      await mock.close()
      network.close()
    }
  })
})
