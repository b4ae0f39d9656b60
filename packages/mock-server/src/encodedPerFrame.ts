import type { ServerFrame } from '@lifeline/protocol'

/**
 * An outlet's own encoding of a channel message (SSE event, WebSocket frame), made once per
 * publication: every subscriber's outlet gets the same frame object in a row (see `Outlet#send`).
 */
export function encodedPerFrame<T extends object>(encode: (text: string, frame: ServerFrame) => T): (text: string, frame: ServerFrame) => T {
  const encoded = new WeakMap<ServerFrame, T>()
  return (text, frame) => {
    let bytes = encoded.get(frame)
    if (!bytes) {
      bytes = encode(text, frame)
      encoded.set(frame, bytes)
    }
    return bytes
  }
}
