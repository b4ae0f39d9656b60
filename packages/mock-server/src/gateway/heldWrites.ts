import type { ByteSink } from './exchange'

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
 * Writes to `sink` in the order they were made, whatever the fault switches do: while a delay is
 * on, writes wait in one queue that drains in order, so lowering the delay never lets a later
 * write overtake an earlier one; a buffered stream holds them all until it ends. Timers are the
 * globals, looked up at call time, so fake timers apply.
 */
export function heldWrites(sink: ByteSink, { delayMs, buffered }: HoldOptions): HeldWrites {
  const queue: { due: number; run: () => void }[] = []
  const buffer: Uint8Array[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let done = false

  const drain = () => {
    timer = undefined
    while (queue.length > 0 && queue[0]!.due <= Date.now()) queue.shift()!.run()
    if (queue.length > 0) timer = setTimeout(drain, queue[0]!.due - Date.now())
  }
  const later = (run: () => void) => {
    const delay = delayMs()
    if (delay <= 0 && queue.length === 0) return run()
    queue.push({ due: Date.now() + Math.max(0, delay), run })
    timer ??= setTimeout(drain, queue[0]!.due - Date.now())
  }

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
      queue.length = 0
      buffer.length = 0
      clearTimeout(timer)
      timer = undefined
      sink.abort()
    },
  }
}
