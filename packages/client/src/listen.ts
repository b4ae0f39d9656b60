import type { Emitter, EventType } from 'mitt'

/**
 * `handler` guarded: an exception in app code is reported, never thrown into the client, so one app
 * bug (a listener, a logger) cannot stop delivery or leave a command unanswered.
 */
export const guard =
  <A extends unknown[]>(handler: (...args: A) => void) =>
  (...args: A): void => {
    try {
      handler(...args)
    } catch (error) {
      console.error('[lifeline] a listener threw', error)
    }
  }

/** Adds `handler`, guarded, to a mitt emitter and returns its removal (mitt's own `on` returns nothing). */
export function listen<T extends Record<EventType, unknown>, K extends keyof T>(emitter: Emitter<T>, type: K, handler: (value: T[K]) => void): () => void {
  const guarded = guard(handler)
  emitter.on(type, guarded)
  return () => emitter.off(type, guarded)
}
