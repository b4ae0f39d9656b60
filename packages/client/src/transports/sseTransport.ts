import { parseServerFrame } from '@lifeline/protocol'
import { post, upstream } from './post'
import { ABNORMAL_CLOSURE, type Transport, type TransportFactory } from './transport'

/**
 * Server-Sent Events down, `fetch` POSTs up. The long-lived token goes only in `Authorization`
 * headers: it buys a single-use ticket, and the stream URL carries only that ticket.
 */
export const sseTransport: TransportFactory = (context) => {
  let source: EventSource | undefined
  let closed = false
  const end = (reason: string) => {
    if (closed) return
    transport.close()
    context.closed(ABNORMAL_CLOSURE, reason)
  }
  const transport: Transport = {
    send: upstream(context, () => closed, end),
    close() {
      closed = true
      source?.close()
    },
  }
  const { token, ...connect } = context.connect
  post<{ ticket: string }>(context, '/sse/ticket', connect, token).then((answer) => {
    if (closed) return
    // A refused ticket is the handshake's answer: the connect fails with the server's code.
    if (answer.error) return context.receive({ type: 'reply', id: connect.id, ok: false, error: answer.error })
    // The server let us in: if no event follows in time, something between us holds the stream back.
    transport.stalled = 'SSE_BUFFERED'
    source = new context.EventSource!(`${context.url}/sse?ticket=${encodeURIComponent(answer.ticket)}`)
    source.onmessage = (event) => context.receive(parseServerFrame(event.data))
    // The stream ended or failed; never let EventSource retry by itself with a spent ticket.
    source.onerror = () => end('stream closed')
  }, () => end('ticket failed'))
  return transport
}
