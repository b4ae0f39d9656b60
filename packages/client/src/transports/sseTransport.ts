import type { Command, ErrorBody } from '@lifeline/protocol'
import { parseServerFrame } from '@lifeline/protocol'
import { ABNORMAL_CLOSURE, type TransportFactory } from './transport'

const SEND = '/sse/send'

/**
 * Server-Sent Events down, `fetch` POSTs up. The long-lived token goes only in `Authorization`
 * headers: it buys a single-use ticket, and the stream URL carries only that ticket.
 */
export const sseTransport: TransportFactory = (context) => {
  let source: EventSource | undefined
  let closed = false
  const end = (reason: string) => {
    if (closed) return
    closed = true
    source?.close()
    context.closed(ABNORMAL_CLOSURE, reason)
  }
  const post = (path: string, command: Command, token = context.token()) =>
    context.fetch!(`${context.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token && { authorization: `Bearer ${token}` }),
        ...(path === SEND && { 'lifeline-session': context.session()! }),
      },
      body: JSON.stringify(command),
    }).then(async (response) => {
      if (response.ok) return response.json() as Promise<{ ticket?: string }>
      const body = (await response.json().catch(() => undefined)) as { error?: ErrorBody } | undefined
      const error = body?.error ?? { code: 'INTERNAL', message: `HTTP ${response.status}` }
      // The server lost this session (P5): the stream is as good as dead, so reconnect; the
      // command stays unanswered here and goes out again on the next connection.
      if (error.code === 'SESSION_NOT_FOUND') end('session lost')
      // Any other HTTP refusal becomes the reply the command would have had: callers see one path.
      else if (!closed) context.receive({ type: 'reply', id: command.id, ok: false, error })
      return undefined
    })

  let upstream = Promise.resolve()
  const { token, ...connect } = context.connect
  post('/sse/ticket', connect, token).then((answer) => {
    if (closed || !answer?.ticket) return
    source = new context.EventSource!(`${context.url}/sse?ticket=${encodeURIComponent(answer.ticket)}`)
    source.onmessage = (event) => context.receive(parseServerFrame(event.data))
    // The stream ended or failed; never let EventSource retry by itself with a spent ticket.
    source.onerror = () => end('stream closed')
  }, () => end('ticket failed'))

  return {
    // One POST at a time: concurrent HTTP requests overtake each other, and the server must see
    // commands (publishes above all) in the order they were sent.
    send(command) {
      upstream = upstream.then(async () => void (closed || (await post(SEND, command)))).catch(() => end('send failed'))
    },
    close() {
      closed = true
      source?.close()
    },
  }
}
