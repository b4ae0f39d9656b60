import type { ErrorBody } from '@lifeline/protocol'
import type { TransportContext } from './transport'

/** A JSON answer of the server, or the error its HTTP status came with. */
export type Answer<T> = (T & { error?: undefined }) | { error: ErrorBody }

/**
 * POSTs `body` as JSON to `path`, with the token in `Authorization` (never in the URL) and, once
 * there is one, the session in `Lifeline-Session`. Rejects when no answer came from the server
 * (network, or an error page of a proxy in front).
 */
export function post<T>(context: TransportContext, path: string, body: unknown, token = context.token(), signal?: AbortSignal): Promise<Answer<T>> {
  const session = context.session()
  return context.fetch!(`${context.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...(session && { 'lifeline-session': session }) },
    body: JSON.stringify(body),
    signal,
  }).then(async (response) => {
    // Not JSON, or the JSON `null` (a proxy's page, a broken server): an answer with nothing in it.
    const answer = ((await response.json().catch(() => 0)) || {}) as Answer<T>
    // An error without the server's error body is a proxy's page (502 with the server down): no
    // answer from the server, as when the network failed.
    if (!response.ok && !answer.error) throw new TypeError(`HTTP ${response.status}`)
    return answer
  })
}
