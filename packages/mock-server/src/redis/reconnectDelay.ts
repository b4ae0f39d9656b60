/**
 * ioredis `retryStrategy`: exponential backoff from 50 ms up to `maxMs`, with "equal jitter" (half
 * fixed, half random) so replicas that lost Redis together do not reconnect in lockstep, and no
 * attempt ever follows the previous one without a pause.
 */
export function reconnectDelay(maxMs: number): (attempt: number) => number {
  return (attempt) => {
    const ceiling = Math.min(maxMs, 50 * 2 ** Math.min(attempt, 16))
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
  }
}
