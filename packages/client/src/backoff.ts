/** How long to wait before reconnect attempt `attempt` (0-based), after `error`; bounds left out take the defaults. */
export type ReconnectDelay = { minMs?: number; maxMs?: number } | ((attempt: number, error: unknown) => number)

/**
 * Exponential backoff with full jitter: a uniform draw from `[0, min(maxMs, minMs·2^attempt))`.
 * Full jitter spreads a crowd of clients dropped at once over the whole window (AWS architecture
 * blog, "Exponential Backoff And Jitter"); equal steps would bring them back together.
 */
export function backoff(attempt: number, { minMs, maxMs }: { minMs: number; maxMs: number }, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30)))
}
