import type { PollBatch } from '@lifeline/protocol'
import { post, upstream } from './post'
import { ABNORMAL_CLOSURE, type Transport, type TransportFactory } from './transport'

/** Polls that fail in a row without any answer (network) before the transport counts as lost. */
const MAX_FAILED_POLLS = 3

const isBatch = (answer: Partial<PollBatch>): answer is PollBatch => Number.isSafeInteger(answer.seq) && Array.isArray(answer.frames)

/**
 * Long-polling: every response is complete, so proxies that buffer or compress streams pass it.
 * `POST /poll/connect` opens the session and answers with the connect reply; then each
 * `POST /poll` carries `{ ack }` (the last frame number received) and is held by the server until
 * frames arrive, which come back as a batch. A lost answer is sent again by the server on the next
 * poll, which carries the same `ack`. Upstream commands go as over SSE (`POST /sse/send`).
 */
export const longPollingTransport: TransportFactory = (context) => {
  let closed = false
  let ack = 0
  let failures = 0
  // Ends the poll the server is holding when the transport closes.
  const abort = new AbortController()
  const end = (reason: string) => {
    if (closed) return
    transport.close()
    context.closed(ABNORMAL_CLOSURE, reason)
  }
  const transport: Transport = {
    send: upstream(context, () => closed, end),
    close() {
      closed = true
      abort.abort()
    },
  }
  const deliver = ({ seq, frames }: PollBatch) => {
    // Frames are numbered per session; skip any this client already has (a batch sent twice).
    for (const frame of frames.slice(Math.max(0, ack - (seq - frames.length)))) if (!closed) context.receive(frame)
    ack = Math.max(ack, seq)
  }
  const poll = (): void => {
    if (closed) return
    post<PollBatch>(context, '/poll', { ack }, undefined, abort.signal).then(
      (answer) => {
        if (closed) return
        // SESSION_NOT_FOUND (the server closed the session), 401, 403: this session is over.
        if (answer.error) return end(`poll ${answer.error.code}`)
        if (!isBatch(answer)) return end('unreadable poll answer')
        failures = 0
        deliver(answer)
        poll()
      },
      // No answer: poll again with the same ack, and the server sends what was lost again.
      () => closed || (++failures < MAX_FAILED_POLLS ? poll() : end('poll failed')),
    )
  }
  const { token, ...connect } = context.connect
  post<PollBatch>(context, '/poll/connect', connect, token, abort.signal).then((answer) => {
    if (closed) return
    // A refused connect is the handshake's answer: it fails with the server's code.
    if (answer.error) return context.receive({ type: 'reply', id: connect.id, ok: false, error: answer.error })
    if (!isBatch(answer)) return end('unreadable connect answer')
    deliver(answer)
    poll()
  }, () => end('connect failed'))
  return transport
}
