/**
 * The timer functions as they were when the kit loaded. A test that installs fake timers later must
 * not turn a wait's deadline into a fake one, which `vi.advanceTimersByTime()` would then fire long
 * before the awaited frame could arrive.
 */
export const realSetTimeout = globalThis.setTimeout
export const realClearTimeout = globalThis.clearTimeout
