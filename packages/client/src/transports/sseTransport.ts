import { parseServerFrame } from '@lifeline/protocol'
import { httpTransport } from './httpTransport'
import type { TransportFactory } from './transport'

/**
 * Server-Sent Events down, `fetch` POSTs up. The long-lived token goes only in `Authorization`
 * headers: it buys a single-use ticket, and the stream URL carries only that ticket.
 */
export const sseTransport: TransportFactory = (context) =>
  httpTransport<{ ticket: string }>(context, '/sse/ticket', 'ticket', ({ ticket }, end, signal, transport) => {
    // The server let us in: if no event follows in time, something between us holds the stream back.
    transport.stalled = 'SSE_BUFFERED'
    const source = new context.EventSource!(`${context.url}/sse?ticket=${encodeURIComponent(ticket)}`)
    signal.onabort = () => source.close()
    source.onmessage = (event) => context.receive(parseServerFrame(event.data))
    // The stream ended or failed; never let EventSource retry by itself with a spent ticket.
    source.onerror = () => end('stream closed')
  })
