import type { PathParams, ServerSentEventResolverExtras } from 'msw'
import { sseEventId, type Link } from '../engine/index'

/** The server's end of one intercepted event stream, as msw's `sse()` hands it over. */
export type MswSseClient = ServerSentEventResolverExtras<{ message: string }, PathParams>['client']

/**
 * Adapts an msw event stream to the engine, writing what the Node server's `sseLink` writes: each
 * frame as a `message` event whose `id:` is the channel position. `delayMs` reads the fault switch.
 * msw has no comment lines, so the heartbeat is the engine's `ping` event alone.
 */
export function mswSseLink(client: MswSseClient, delayMs: () => number): Link {
  const later = (write: () => void) => {
    const delay = delayMs()
    if (delay > 0) setTimeout(write, delay)
    else write()
  }
  return {
    transport: 'sse',
    send(text, frame) {
      const id = sseEventId(frame)
      later(() => client.send(id === undefined ? { data: text } : { id, data: text }))
    },
    bufferedBytes: () => 0,
    close: () => later(() => client.close()),
  }
}
