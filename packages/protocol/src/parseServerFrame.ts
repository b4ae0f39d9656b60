import type { ServerFrame } from './frames'

const SERVER_FRAME_TYPES = new Set(['reply', 'message', 'presence', 'ping', 'error', 'disconnect', 'unsubscribed'])

/**
 * Reads one server frame, or returns `undefined` when it is not a frame of protocol v1.
 * Deliberately shallow: the client trusts the server's shapes once the type is known,
 * which keeps this in the client bundle at a few dozen bytes.
 */
export function parseServerFrame(raw: unknown): ServerFrame | undefined {
  if (typeof raw !== 'string') return undefined
  try {
    const frame = JSON.parse(raw) as ServerFrame
    return frame && SERVER_FRAME_TYPES.has(frame.type) ? frame : undefined
  } catch {
    return undefined
  }
}
