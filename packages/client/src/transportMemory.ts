import type { TransportName } from '@lifeline/protocol'
import { isDiagnosis, type Diagnosis } from './errors'
import type { KeyValueStorage } from './options'

/** Per origin, which transports do not get through from here, and why. */
export interface TransportMemory {
  /** Why `name` does not work for this origin, while that is remembered. */
  get(name: TransportName): Diagnosis | undefined
  remember(name: TransportName, why: Diagnosis): void
  forget(name: TransportName): void
}

/**
 * Remembers per origin that a transport does not get through (a proxy that refuses or swallows
 * WebSocket, one that buffers SSE) for `ttlMs`, in `storage` (`localStorage` by default), so the
 * next page load starts with a transport that works instead of waiting for the bad one again.
 * Entries are `<until> <why>` under `lifeline:<transport>:<origin>`.
 */
export function transportMemory(url: string, ttlMs: number, now: () => number, storage?: KeyValueStorage | null): TransportMemory {
  const origin = new URL(url).origin
  const key = (name: TransportName) => `lifeline:${name}:${origin}`
  const call = <T>(action: (store: KeyValueStorage) => T): T | undefined => {
    try {
      // Reading `localStorage` throws in sandboxed iframes and with storage disabled; no storage
      // (`null`, or none in Node) throws too. Then, as on a full quota, memory only.
      return action(storage === undefined ? globalThis.localStorage : storage!)
    } catch {
      return undefined
    }
  }
  // What this page knows, read from storage once per transport.
  const entries: Partial<Record<TransportName, string>> = {}
  const set = (name: TransportName, entry: string) => {
    entries[name] = entry
    call((store) => (entry ? store.setItem(key(name), entry) : store.removeItem(key(name))))
  }
  return {
    get(name) {
      const [until, why] = (entries[name] ??= `${call((store) => store.getItem(key(name))) ?? ''}`).split(' ')
      const left = Number(until) - now()
      // Only an entry this client could have written: another library's value, or one written
      // while the clock was ahead, must not keep a transport last for longer than the TTL.
      return left > 0 && left <= ttlMs && isDiagnosis(why as Diagnosis) ? (why as Diagnosis) : undefined
    },
    remember: (name, why) => set(name, `${now() + ttlMs} ${why}`),
    forget: (name) => entries[name] !== '' && set(name, ''),
  }
}
