import type { ServerFrame } from '@lifeline/protocol'

/**
 * What a host passes to `Session#receive` for a binary WebSocket frame: the protocol is JSON text,
 * so the engine answers it as a malformed frame.
 */
export const BINARY_FRAME = '\u0000binary'

/** SSE `retry:` that keeps an EventSource from reconnecting on its own with a spent ticket. */
export const SSE_NO_RETRY_MS = 86_400_000

/** The SSE `id:` of a frame: `epoch:offset:channel` for channel messages (a client resumes from it), none otherwise. */
export function sseEventId(frame: ServerFrame): string | undefined {
  return frame.type === 'message' ? `${frame.pos.epoch}:${frame.pos.offset}:${frame.channel}` : undefined
}
