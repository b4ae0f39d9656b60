import type { Emitter, EventType } from 'mitt'

/**
 * Adds `handler` to a mitt emitter and returns its removal (mitt's own `on` returns nothing). The
 * handler runs guarded: an exception in app code is reported, never thrown into the client (C1).
 */
export function listen<T extends Record<EventType, unknown>, K extends keyof T>(emitter: Emitter<T>, type: K, handler: (value: T[K]) => void): () => void {
  const guarded = guard(handler)
  emitter.on(type, guarded)
  return () => emitter.off(type, guarded)
}

/** Wraps app code so that its exception is reported instead of unwinding the client's stack. */
export function guard<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      callback(...args)
    } catch (error) {
      console.error('[lifeline] a listener threw', error)
    }
  }
}
