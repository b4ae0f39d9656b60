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

  it('takes only what it wrote itself: foreign values, unknown reasons and entries past the TTL do not block a transport', () => {
    const storage = memoryStorage()
    const key = 'lifeline:websocket:https://rt.example.com'
    const get = () => transportMemory('https://rt.example.com', 60_000, Date.now, storage).get('websocket')
    const now = Date.now()
    for (const value of ['garbage', ' ', `${now + 1000}`, `${now + 1000} <img src=x onerror=alert(1)>`, `${now + 1000} TRANSPORT_CLOSED`, `${now + 1000} toString`, `${now - 1} UPGRADE_REFUSED`, `Infinity UPGRADE_REFUSED`]) {
      storage.items.set(key, value)
      expect(get(), value).toBeUndefined()
    }
    // Written while the clock was a day ahead: after the clock is set right, it still lasts only the TTL.
    storage.items.set(key, `${now + 86_400_000 + 60_000} UPGRADE_REFUSED`)
    expect(get()).toBeUndefined()
    storage.items.set(key, `${now + 60_000} UPGRADE_REFUSED`)
    expect(get()).toBe('UPGRADE_REFUSED')
    // A stand-in storage that hands back something other than a string or null.
    const odd = { getItem: () => ({ until: now + 1000 }), setItem() {}, removeItem() {} } as unknown as KeyValueStorage
    expect(transportMemory('https://rt.example.com', 60_000, Date.now, odd).get('websocket')).toBeUndefined()
  })
})
