import { MemoryBroker } from '@lifeline/mock-server/msw'
import type { ErrorBody } from '@lifeline/protocol'

/**
 * An in-memory broker whose subscriptions a test can end from the server's side, as a broker that
 * lost its fan-out does: the engine then sends each client an `unsubscribed` frame with `error`.
 */
export class EndingBroker extends MemoryBroker {
  readonly #ends: ((error: ErrorBody) => void)[] = []

  override subscribe(...[channel, listener, ended, presence]: Parameters<MemoryBroker['subscribe']>) {
    // The memory broker never ends a subscription, so it types `ended` as unknown; the engine passes its SubscriptionEnded.
    if (ended) this.#ends.push(ended as (error: ErrorBody) => void)
    return super.subscribe(channel, listener, ended, presence)
  }

  /** Ends every subscription made so far. */
  endAll(error: ErrorBody): void {
    for (const end of this.#ends.splice(0)) end(error)
  }
}
