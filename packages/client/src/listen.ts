import type { Emitter, EventType, Handler, WildcardHandler } from 'mitt'

/**
 * Adds `handler` to a mitt emitter and returns its removal (mitt's own `on` returns nothing). The
 * handler runs guarded: an exception in app code is reported, never thrown into the client (C1).
 */
export function listen<T extends Record<EventType, unknown>, K extends keyof T>(emitter: Emitter<T>, type: K | '*', handler: Handler<T[K]> | WildcardHandler<T>): () => void {
  const guarded = guard(handler as (...args: unknown[]) => void)
  emitter.on(type as K, guarded)
  return () => emitter.off(type as K, guarded)
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
