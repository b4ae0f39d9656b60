import type { Timers } from './timers'

export interface LifecycleHandlers {
  /** The browser says the network is back. */
  online(): void
  /** The browser says the network is gone. */
  offline(): void
  /** A good moment to reconnect at once: page visible again, restored from bfcache, woke from sleep. */
  resume(): void
  /** The page goes into the back/forward cache: an open connection would keep it out. */
  suspend(): void
}

const TICK_MS = 2000
/** A tick this late means the machine slept (timers froze), not that the page was merely busy. */
const SLEEP_DRIFT_MS = 10_000

/**
 * Attaches browser lifecycle listeners and a sleep detector; returns the detach. Attached on
 * `connect()` and detached on `disconnect()`, so importing the client has no side effects.
 * `target` defaults to `globalThis`, which has no `addEventListener` in Node: then only the sleep
 * detector runs.
 */
export function watchLifecycle(target: Partial<EventTarget> | null = globalThis, handlers: LifecycleHandlers, timers: Timers, now: () => number): () => void {
  const doc = (globalThis as { document?: Document }).document
  const visible = () => doc?.visibilityState === 'visible' && handlers.resume()
  const pageEvent = (handler: () => void) => (event: Event) => (event as PageTransitionEvent).persisted && handler()
  const pagehide = pageEvent(handlers.suspend)
  const pageshow = pageEvent(handlers.resume)
  const listeners: [Partial<EventTarget> | null | undefined, string, EventListener][] = [
    [target, 'online', handlers.online],
    [target, 'offline', handlers.offline],
    [target, 'pagehide', pagehide],
    [target, 'pageshow', pageshow],
    [target && doc, 'visibilitychange', visible],
  ]
  for (const [on, type, listener] of listeners) on?.addEventListener?.(type, listener)

  let last = now()
  let timer: unknown
  const tick = () => {
    const at = now()
    if (at - last > TICK_MS + SLEEP_DRIFT_MS) handlers.resume()
    last = at
    timer = timers.setTimeout(tick, TICK_MS)
  }
  timer = timers.setTimeout(tick, TICK_MS)
  return () => {
    timers.clearTimeout(timer)
    for (const [on, type, listener] of listeners) on?.removeEventListener?.(type, listener)
  }
}
