import { CaseFailure } from './failure'

/** `fetch` as the kit calls it: Node's, or one the caller injects (msw in tests). */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>

/** An HTTP answer as the reports show it: status, the headers that matter, and the body (JSON when it is JSON). */
export interface HttpAnswer {
  method: string
  url: string
  status: number
  headers: Record<string, string>
  body: unknown
}

export interface HttpRequest {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Abort after this long; the request then fails the case. */
  timeoutMs: number
  signal?: AbortSignal
}

/**
 * One HTTP request, read to the end. A network error or timeout fails the case with what was asked,
 * since a server that drops a request gives the kit nothing else to report.
 */
export async function request(fetch: Fetch, url: string, { method = 'GET', headers = {}, body, timeoutMs, signal }: HttpRequest): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(timeoutMs)
  let response: Response
  let text: string
  try {
    response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
    // An event stream never ends by itself: its headers are the answer.
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body?.cancel().catch(() => {})
      text = '<text/event-stream>'
    } else text = await response.text()
  } catch (error) {
    const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : `failed: ${(error as Error).message}${causeOf(error)}`
    throw new CaseFailure(`${method} ${url} ${why}`, { expected: 'an HTTP answer', received: { error: String(error) } })
  }
  return { method, url, status: response.status, headers: headersOf(response.headers), body: parse(text) }
}

const causeOf = (error: unknown) => {
  const cause = (error as { cause?: { message?: string } }).cause
  return cause?.message ? ` (${cause.message})` : ''
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function headersOf(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {}
  headers.forEach((value, name) => {
    result[name.toLowerCase()] = value
  })
  return result
}

/** The error code of an HTTP error body `{"error":{"code",…}}`, if it has one. */
export function errorCodeOf(answer: HttpAnswer): string | undefined {
  const error = (answer.body as { error?: { code?: unknown } } | null)?.error
  return typeof error?.code === 'string' ? error.code : undefined
}

/** What a report shows of an answer: status, body and the headers worth seeing. */
export function shown(answer: HttpAnswer, headerNames: string[] = []): unknown {
  const headers = Object.fromEntries(headerNames.filter((name) => name in answer.headers).map((name) => [name, answer.headers[name]]))
  return { request: `${answer.method} ${new URL(answer.url).pathname}`, status: answer.status, ...(headerNames.length ? { headers } : {}), body: answer.body }
}
