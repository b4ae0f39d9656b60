import type { ByteSink } from './exchange'
import { orderedDelay } from './orderedDelay'

/** A stream's writes as the fault switches let them through. */
export interface HeldWrites {
  write(bytes: Uint8Array): void
  /** Ends the stream after every write before it. */
  end(): void
  /** Cuts the stream now; writes still held are dropped. */
  abort(): void
}

export interface HoldOptions {
  /** Read at each write: how long it waits before it reaches the sink. */
  delayMs: () => number
  /** Hold every write until the stream ends, then let them all through: a buffering proxy. */
  buffered: boolean
}

/**
 * Writes to `sink` in the order they were made, whatever the fault switches do: a delay never
 * reorders them (see {@link orderedDelay}); a buffered stream holds them all until it ends.
 */
export function heldWrites(sink: ByteSink, { delayMs, buffered }: HoldOptions): HeldWrites {
  const { later, cancel } = orderedDelay(delayMs)
  const buffer: Uint8Array[] = []
  let done = false

  return {
    write(bytes) {
      if (done) return
      if (buffered) buffer.push(bytes)
      else later(() => sink.write(bytes))
    },
    end() {
      if (done) return
      done = true
      const held = buffer.splice(0)
      later(() => {
        for (const bytes of held) sink.write(bytes)
        sink.end()
      })
    },
    abort() {
      done = true
      cancel()
      buffer.length = 0
      sink.abort()
    },
  }
}
