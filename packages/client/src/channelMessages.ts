import type { MessageFrame, Position } from '@lifeline/protocol'
import type { MessageMeta } from './types'

/**
 * How a message stands to the last one the channel delivered (`last`, or the subscription's cursor):
 * - `repeat`: delivered already (a replay overlapping what came live): drop it;
 * - `next`: the one expected;
 * - `gap`: messages are missing before it. The server never skips offsets on a live subscription,
 *   so a jump or a new epoch means loss.
 */
export function deliveryOrder(last: Position, { epoch, offset }: Position): 'repeat' | 'next' | 'gap' {
  if (epoch !== last.epoch) return 'gap'
  return offset <= last.offset ? 'repeat' : offset > last.offset + 1 ? 'gap' : 'next'
}

/** What a message handler gets besides the payload. */
export function meta({ channel, event, pos, meta }: MessageFrame): MessageMeta {
  // A server of an older protocol revision sends no stamp: unknown publisher, time 0.
  return { channel, event, position: pos, publisher: meta?.publisher ?? null, time: meta?.time ?? 0 }
}
