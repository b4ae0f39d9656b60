import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { KeyValueStorage } from '../options'
import { transportMemory } from '../transportMemory'
import { memoryStorage } from './support/memoryStorage'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('transportMemory', () => {
  it('remembers per origin and transport why it is blocked, in storage, until the TTL runs out', () => {
    const storage = memoryStorage()
    transportMemory('https://rt.example.com/base', 60_000, Date.now, storage).remember('websocket', 'UPGRADE_REFUSED')
    transportMemory('https://rt.example.com/base', 60_000, Date.now, storage).remember('sse', 'SSE_BUFFERED')
    // Another page load of the same origin (another path) sees it.
    const later = transportMemory('https://rt.example.com/other', 60_000, Date.now, storage)
    expect([later.get('websocket'), later.get('sse'), later.get('long-polling')]).toEqual(['UPGRADE_REFUSED', 'SSE_BUFFERED', undefined])
    expect(transportMemory('https://elsewhere.example.com', 60_000, Date.now, storage).get('websocket')).toBeUndefined()
    vi.advanceTimersByTime(60_001)
    expect(later.get('websocket')).toBeUndefined()
  })

  it('forgets a transport once it works again', () => {
    const storage = memoryStorage()
    const memory = transportMemory('https://rt.example.com', 60_000, Date.now, storage)
    memory.remember('websocket', 'WEBSOCKET_SILENT')
    memory.forget('websocket')
    expect(storage.items.size).toBe(0)
    expect(transportMemory('https://rt.example.com', 60_000, Date.now, storage).get('websocket')).toBeUndefined()
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
    const memory = transportMemory('https://rt.example.com', 60_000, Date.now, broken)
    memory.remember('websocket', 'UPGRADE_REFUSED')
    expect(memory.get('websocket')).toBe('UPGRADE_REFUSED')
  })
})
