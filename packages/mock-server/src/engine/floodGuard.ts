import type { Clock } from './clock'

/**
 * How many rate-limited commands within {@link FLOOD_WINDOW_MS} turn a flood into a disconnect. A
 * window rather than "in a row": a flooder gets a command through at every bucket refill, and that
 * must not wipe its record.
 */
const FLOOD_REJECTIONS = 1000
const FLOOD_WINDOW_MS = 10_000

/** Counts one session's rate-limited frames: `true` once they reach the flood threshold within the window. */
export function floodGuard(clock: Clock): () => boolean {
  let flood = { since: 0, rejected: 0 }
  return () => {
    const now = clock.now()
    if (now - flood.since > FLOOD_WINDOW_MS) flood = { since: now, rejected: 0 }
    flood.rejected += 1
    return flood.rejected >= FLOOD_REJECTIONS
  }
}
