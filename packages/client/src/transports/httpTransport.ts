import type { ClientFrame, Command } from '@lifeline/protocol'
import { post, type Answer } from './post'
import { ABNORMAL_CLOSURE, type Transport, type TransportContext } from './transport'

/**
 * Called once the server let an HTTP transport in, with its answer. `end` closes the transport and
 * reports it lost (once; nothing after `close()`); `signal` is aborted once the transport closed:
 * it stops what is in flight, and nothing starts after it.
 */
export type Opened<T> = (answer: T, end: (reason: string) => void, signal: AbortSignal, transport: Transport) => void

/**
 * What SSE and long-polling share. The handshake is a POST to `path` carrying the connect command,
 * its token only in `Authorization`; a refusal is the handshake's answer (the connect fails with
 * the server's code), and an accepted answer goes to `opened`. Upstream commands are POSTs too.
 * `step` names the handshake in the reason of a failure (`<step> failed`).
 */
export function httpTransport<T>(context: TransportContext, path: string, step: string, opened: Opened<T>): Transport {
  const abort = new AbortController()
  const { signal } = abort
  const end = (reason: string) => {
    if (signal.aborted) return
    abort.abort()
    context.closed(ABNORMAL_CLOSURE, reason)
  }
  const transport: Transport = { send: upstream(context, signal, end), close: () => abort.abort() }
  const { token, ...connect } = context.connect
  post<T>(context, path, connect, token, signal).then(
    (answer: Answer<T>) => {
      if (signal.aborted) return
      if (answer.error) return context.receive({ type: 'reply', id: connect.id, ok: false, error: answer.error })
      opened(answer, end, signal, transport)
    },
    () => end(`${step} failed`),
  )
  return transport
}

/**
 * Upstream commands over HTTP: `POST /sse/send`, one at a time, because concurrent requests
 * overtake each other and the server must see commands (publishes above all) in the order they
 * were sent. Nothing goes out once `signal` is aborted, and what is under way is aborted with it;
 * `end` is called when the session is gone or the network failed.
 */
function upstream(context: TransportContext, signal: AbortSignal, end: (reason: string) => void): (frame: ClientFrame) => void {
  let queue = Promise.resolve()
  return (frame) => {
    const command = frame as Command
    queue = queue
      .then(async () => {
        if (signal.aborted) return
        // Aborted with the transport: a POST the server never answers must not outlive it. A
        // publish that got through is safe to send again, on the next connection, with its key.
        const { error } = await post(context, '/sse/send', command, undefined, signal)
        // The server lost this session: the downstream is as good as dead, so reconnect; the
        // command stays unanswered here and goes out again on the next connection.
        if (error?.code === 'SESSION_NOT_FOUND') end('session lost')
        // Any other refusal becomes the reply the command would have had: callers see one path.
        else if (error) context.receive({ type: 'reply', id: command.id, ok: false, error })
      })
      .catch(() => end('send failed'))
  }
}
