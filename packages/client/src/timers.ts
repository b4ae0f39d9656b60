/** The timer functions the client uses; inject fakes, or leave the default. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

// Browsers and Node fire at once when a delay exceeds 2^31-1 ms; clamp so long backoffs stay long.
const MAX_DELAY = 2 ** 31 - 1

/** Does nothing: the cancel of a timer that was never set, or a callback whose call is ignored. */
export function noop(): void {}

/**
 * Looks the globals up at call time, not at import time, so `vi.useFakeTimers()` installed after
 * the client was imported still takes effect (the bug TanStack's timeoutManager documents).
 */
export const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.min(Math.max(ms, 0), MAX_DELAY)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
