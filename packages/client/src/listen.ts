import type { Emitter, EventType } from 'mitt'

/**
 * Adds `handler` to a mitt emitter and returns its removal (mitt's own `on` returns nothing). The
 * handler runs guarded: an exception in app code is reported, never thrown into the client, so one app bug cannot stop delivery.
 */
export function listen<T extends Record<EventType, unknown>, K extends keyof T>(emitter: Emitter<T>, type: K, handler: (value: T[K]) => void): () => void {
  const guarded = (value: T[K]) => {
    try {
      handler(value)
    } catch (error) {
      console.error('[lifeline] a listener threw', error)
    }
  }
  emitter.on(type, guarded)
  return () => emitter.off(type, guarded)
}
