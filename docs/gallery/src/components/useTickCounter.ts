import { useChannelEvent } from '@lifeline/react'
import { useState } from 'react'

export interface TickCount {
  /** Ticks received since mount. */
  received: number
  /** The last `n` seen. */
  last: number | undefined
  /** Ticks that skipped ahead of the one expected (a lost message). */
  gaps: number
  /** Ticks at or behind the last one (a repeated message). */
  duplicates: number
}

const START: TickCount = { received: 0, last: undefined, gaps: 0, duplicates: 0 }

/** Counts the ticker's messages and checks each `n` is exactly one more than the last. */
export function useTickCounter(channel: `demo:${string}`): TickCount {
  const [count, setCount] = useState(START)
  useChannelEvent(channel, 'tick', ({ n }) =>
    setCount(({ received, last, gaps, duplicates }) => ({
      received: received + 1,
      last: last === undefined ? n : Math.max(last, n),
      gaps: gaps + (last !== undefined && n > last + 1 ? 1 : 0),
      duplicates: duplicates + (last !== undefined && n <= last ? 1 : 0),
    })),
  )
  return count
}
