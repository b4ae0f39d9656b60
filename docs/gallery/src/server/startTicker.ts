import type { PublishInput, PublishOutcome } from '@lifeline/mock-server'

/** The channel the fallback lab counts on: `tick` events whose `n` rises by one each time. */
export const TICKER_CHANNEL = 'demo:ticker'

/**
 * Publishes `{ n: 1 }`, `{ n: 2 }`, … on {@link TICKER_CHANNEL} every `intervalMs`, so a viewer can
 * see that no message is lost or repeated across a transport switch. Returns the stop function.
 */
export function startTicker(publish: (input: PublishInput) => Promise<PublishOutcome>, intervalMs = 250): () => void {
  let n = 0
  const timer = setInterval(() => {
    n += 1
    publish({ channel: TICKER_CHANNEL, event: 'tick', data: { n, at: Date.now() } }).catch((error: unknown) => console.error('[gallery] tick failed', error))
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
