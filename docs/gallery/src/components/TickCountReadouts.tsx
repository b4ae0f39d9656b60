import { Readout } from './Readout'
import type { TickCount } from './useTickCounter'

export interface TickCountReadoutsProps {
  count: TickCount
  /** @default 'Messages received' */
  label?: string
}

/** How many ticks arrived, and how many of them skipped ahead or repeated: the proof none was lost. */
export function TickCountReadouts({ count, label = 'Messages received' }: TickCountReadoutsProps) {
  return (
    <>
      <Readout label={label}>
        <span data-testid="message-count">{count.received}</span>
      </Readout>
      <Readout label="Lost / repeated">
        <span>
          <span data-testid="gap-count">{count.gaps}</span> / <span data-testid="duplicate-count">{count.duplicates}</span>
        </span>
      </Readout>
    </>
  )
}
