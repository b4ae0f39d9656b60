import type { ClientFrame, Command, ErrorBody } from '@lifeline/protocol'
import type { TransportContext } from './transport'

/** A JSON answer of the server, or the error its HTTP status came with. */
export type Answer<T> = (T & { error?: undefined }) | { error: ErrorBody }

/**
 * POSTs `body` as JSON to `path`, with the token in `Authorization` (never in the URL) and, once
 * there is one, the session in `Lifeline-Session`. Rejects only when no answer came (network).
 */
export function post<T>(context: TransportContext, path: string, body: unknown, token = context.token(), signal?: AbortSignal): Promise<Answer<T>> {
  const session = context.session()
  return context.fetch!(`${context.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...(session && { 'lifeline-session': session }) },
    body: JSON.stringify(body),
    signal,
  }).then(async (response) => {
    const answer = (await response.json().catch(() => ({}))) as Answer<T>
    return response.ok ? answer : { error: answer.error ?? { code: 'INTERNAL', message: `HTTP ${response.status}` } }
  })
}

/**
 * Upstream commands over HTTP (SSE and long-polling): `POST /sse/send`, one at a time, because
 * concurrent requests overtake each other and the server must see commands (publishes above all) in
 * the order they were sent. Nothing goes out once `closed()`; `end` is called when the session is gone
 * or the network failed.
 */
export function upstream(context: TransportContext, closed: () => boolean, end: (reason: string) => void): (frame: ClientFrame) => void {
  let queue = Promise.resolve()
  return (frame) => {
    const command = frame as Command
    queue = queue
      .then(async () => {
        if (closed()) return
        const { error } = await post(context, '/sse/send', command)
        // The server lost this session: the downstream is as good as dead, so reconnect; the
        // command stays unanswered here and goes out again on the next connection.
        if (error?.code === 'SESSION_NOT_FOUND') end('session lost')
        // Any other refusal becomes the reply the command would have had: callers see one path.
        else if (error) context.receive({ type: 'reply', id: command.id, ok: false, error })
      })
      .catch(() => end('send failed'))
  }
}
