import type { ServerResponse } from 'node:http'
import { CloseCode, type ServerFrame } from '@lifeline/protocol'
import { encodedPerFrame } from './encodedPerFrame'
import { sseEventId, type Link } from './engine/index'

/** One frame as an SSE event; a channel message carries its position as the event id. */
function eventOf(text: string, frame: ServerFrame): string {
  const id = sseEventId(frame)
  return `${id === undefined ? '' : `id: ${id}\n`}data: ${text}\n\n`
}

/** The event of the channel message being fanned out, as bytes, built once for all subscribers. */
const messageEvent = encodedPerFrame((text, frame) => Buffer.from(eventOf(text, frame)))

/**
 * Adapts an open `text/event-stream` response to the engine. `delayMs` reads the fault switch: while
 * it is on, writes wait in a queue that drains in order, so changing the delay never reorders them.
 */
export function sseLink(response: ServerResponse, delayMs: () => number): Link {
  const held: { due: number; write: () => void }[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const drain = () => {
    timer = undefined
    while (held.length > 0 && held[0]!.due <= Date.now()) held.shift()!.write()
    if (held.length > 0) timer = setTimeout(drain, held[0]!.due - Date.now())
  }
  const later = (write: () => void) => {
    const delay = delayMs()
    if (delay <= 0 && held.length === 0) return write()
    held.push({ due: Date.now() + Math.max(0, delay), write })
    timer ??= setTimeout(drain, held[0]!.due - Date.now())
  }
  const write = (chunk: string | Buffer) => later(() => response.writableEnded || response.destroyed || response.write(chunk))
  return {
    transport: 'sse',
    send(text, frame) {
      write(frame.type === 'message' ? messageEvent(text, frame) : eventOf(text, frame))
    },
    bufferedBytes: () => response.writableLength,
    close(code) {
      // Like the WebSocket link: ending politely would queue behind the very backlog that got it cut.
      if (code === CloseCode.SLOW_CONSUMER) response.destroy()
      else later(() => response.end())
    },
    keepalive: () => write(': hb\n\n'),
  }
}
