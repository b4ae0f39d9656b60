import { CloseCode, type ServerFrame } from '@lifeline/protocol'
import { encodedPerFrame } from '../encodedPerFrame'
import { SSE_NO_RETRY_MS, sseEventId, type Outlet, type ProtocolEngine, type TicketGrant } from '../engine/index'
import type { Faults } from '../faults'
import type { ByteSink, OpenStream } from './exchange'
import { heldWrites } from './heldWrites'

/** The headers of an event stream. */
export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx: do not buffer this response.
  'x-accel-buffering': 'no',
}

const utf8 = new TextEncoder()

/**
 * UTF-8 bytes in this realm's `Uint8Array`: in vitest's jsdom environment `TextEncoder` may
 * belong to another realm than the stream that carries the bytes.
 */
const bytesOf = (text: string): Uint8Array => new Uint8Array(utf8.encode(text))

/** One frame as an SSE event; a channel message carries its position as the event id. */
function eventOf(text: string, frame: ServerFrame): string {
  const id = sseEventId(frame)
  return `${id === undefined ? '' : `id: ${id}\n`}data: ${text}\n\n`
}

/** The event of the channel message being fanned out, as bytes, built once for all subscribers. */
const messageEvent = encodedPerFrame((text, frame) => bytesOf(eventOf(text, frame)))

const KEEPALIVE = bytesOf(': hb\n\n')

/**
 * Opens an SSE session on `sink`: `retry:` first (so an EventSource never reconnects by itself with
 * a spent ticket), then the connect reply and every frame after it, through the fault switches
 * (`sseDelayMs`, and `bufferSse` as it was when the stream opened).
 */
export function openSseStream(engine: ProtocolEngine, grant: TicketGrant, faults: Faults, sink: ByteSink, peer: string | undefined): OpenStream {
  const writes = heldWrites(sink, { delayMs: () => faults.sseDelayMs, buffered: faults.bufferSse })
  writes.write(bytesOf(`retry: ${SSE_NO_RETRY_MS}\n\n`))
  const outlet: Outlet = {
    transport: 'sse',
    send(text, frame) {
      writes.write(frame.type === 'message' ? messageEvent(text, frame) : bytesOf(eventOf(text, frame)))
    },
    bufferedBytes: () => sink.bufferedBytes(),
    close(code) {
      // Like the WebSocket outlet: ending politely would queue behind the very backlog that got it cut.
      if (code === CloseCode.SLOW_CONSUMER) writes.abort()
      else writes.end()
    },
    keepalive: () => writes.write(KEEPALIVE),
  }
  const session = engine.openEventStream(grant, outlet, peer)
  return { closed: () => session.closed() }
}
