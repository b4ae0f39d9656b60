import { PROTOCOL_VERSION, SESSION_HEADER, type Command, type CommandType } from '@lifeline/protocol'

/** Where a raw client connects: a mock server, MSW handlers, a spawned CLI: anything with its base `url`. */
export interface Target {
  readonly url: string
}

/** A command's fields besides `id` and `type`, e.g. `CommandFields<'subscribe'>` is `{ channel, since? }`. */
export type CommandFields<T extends CommandType> = Omit<Extract<Command, { type: T }>, 'id' | 'type'>

export interface HttpResult {
  status: number
  headers: Headers
  /** The body parsed as JSON, or its text when it is not JSON (metrics, HTML error pages). */
  body: any
}

/**
 * One HTTP request to `server`. `fetch` is read at call time, so msw's interception applies.
 * @example const health = await request(server, '/healthz')
 */
export async function request(server: Target, path: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(`${server.url}${path}`, init)
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body }
}

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {})

/** `POST /sse/ticket` with the token in `Authorization` and a connect command as the body. */
export function requestTicket(server: Target, token: string | undefined, { origin, connectId = 1 }: { origin?: string; connectId?: number } = {}): Promise<HttpResult> {
  return request(server, '/sse/ticket', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token), ...(origin ? { origin } : {}) },
    body: JSON.stringify({ id: connectId, type: 'connect', v: PROTOCOL_VERSION }),
  })
}

/** `POST /poll/connect` with the token in `Authorization` and a connect command (or `body`) as the body. */
export function pollConnect(server: Target, token: string | undefined, body: string | object = { id: 1, type: 'connect', v: PROTOCOL_VERSION }): Promise<HttpResult> {
  return request(server, '/poll/connect', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** `POST /sse/send`: an upstream command (or raw text) of an SSE or long-polling session. */
export function sendUpstream(server: Target, frame: string | object, { token, session }: { token: string; session: string }): Promise<HttpResult> {
  return request(server, '/sse/send', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [SESSION_HEADER]: session },
    body: typeof frame === 'string' ? frame : JSON.stringify(frame),
  })
}
