import type { KeyValueStorage } from './options'

export interface BlockedWebSocket {
  /** WebSocket was found blocked for this origin less than `ttlMs` ago. */
  readonly blocked: boolean
  remember(): void
  forget(): void
}

/**
 * Remembers per origin that WebSocket does not get through (a proxy that refuses or swallows it),
 * so the next page load goes straight to SSE instead of waiting out the timeout again (C3).
 */
export function blockedWebSocket(url: string, ttlMs: number, now: () => number, storage?: KeyValueStorage | null): BlockedWebSocket {
  const key = `lifeline:ws-blocked:${new URL(url).origin}`
  const call = <T>(action: (store: KeyValueStorage) => T): T | undefined => {
    try {
      // Reading `localStorage` throws in sandboxed iframes and with storage disabled; no storage
      // (`null`, or none in Node) throws too. Then, as on a full quota, memory only.
      return action(storage === undefined ? globalThis.localStorage : storage!)
    } catch {
      return undefined
    }
  }
  let until = Number(call((store) => store.getItem(key))) || 0
  return {
    get blocked() {
      return until > now()
    },
    remember() {
      until = now() + ttlMs
      call((store) => store.setItem(key, String(until)))
    },
    forget() {
      until = 0
      call((store) => store.removeItem(key))
    },
  }
}
