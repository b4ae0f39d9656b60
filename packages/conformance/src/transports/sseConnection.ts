import { ROUTES, type ConnectResult } from '@lifeline/protocol'
import { CaseFailure, check } from '../failure'
import { headersOf, shown, type HttpAnswer } from '../http'
import { sseParser } from '../sseParser'
import type { ConnectionOptions } from './connection'
import { HttpConnection, postConnect, type HttpConnectRequest } from './httpConnection'

/** What the kit asks `POST /sse/ticket` for: the connect command, the token in `Authorization`. */
export function requestTicket(options: ConnectionOptions, connect: HttpConnectRequest): Promise<HttpAnswer> {
  return postConnect(options, ROUTES.sseTicket.path, connect)
}

/** An SSE session: the stream read with fetch (comment lines and event ids visible), commands by upstream POST. */
export class SseConnection extends HttpConnection {
  readonly transport = 'sse'
  /** `POST /sse/ticket`'s answer. */
  ticket!: HttpAnswer
  /** Status and headers of `GET /sse`. */
  stream!: { status: number; headers: Record<string, string> }
  /** Comment lines received (`: hb`). */
  readonly comments: string[] = []
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined

  private constructor(options: ConnectionOptions) {
    super(options)
  }

  /** The whole handshake: a ticket, the stream, its first frame the ok connect reply. Fails the case otherwise. */
  static async connect(options: ConnectionOptions, { headers = {} }: { headers?: Record<string, string> } = {}): Promise<SseConnection> {
    const connection = new SseConnection(options)
    const ticket = await requestTicket(options, { token: options.token, headers })
    connection.ticket = ticket
    const body = ticket.body as { ticket?: unknown; expiresInMs?: unknown }
    check(ticket.status === 200 && typeof body?.ticket === 'string' && body.ticket !== '' && typeof body.expiresInMs === 'number', `POST ${ROUTES.sseTicket.path} with a valid token: expected 200 {ticket, expiresInMs}`, {
      expected: '200 {"ticket":"…","expiresInMs":<number>}',
      received: shown(ticket),
    })
    await connection.#open(String(body.ticket), headers)
    return connection
  }

  async #open(ticket: string, headers: Record<string, string>): Promise<void> {
    const url = `${this.options.url}${ROUTES.sse.path}?ticket=${encodeURIComponent(ticket)}`
    const timer = setTimeout(() => this.abort.abort(), this.options.httpMs)
    let response: Response
    try {
      response = await this.options.fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.abort.signal })
    } catch (error) {
      this.end({ how: 'stream request failed' })
      throw new CaseFailure(`GET ${ROUTES.sse.path} failed: ${(error as Error).message}`, { expected: '200 text/event-stream' })
    } finally {
      clearTimeout(timer)
    }
    this.stream = { status: response.status, headers: headersOf(response.headers) }
    if (response.status !== 200 || !this.stream.headers['content-type']?.startsWith('text/event-stream')) {
      const text = await response.text().catch(() => '')
      this.end({ how: `stream refused with ${response.status}` })
      throw new CaseFailure(`GET ${ROUTES.sse.path} with a fresh ticket: expected 200 text/event-stream, got ${response.status} ${this.stream.headers['content-type'] ?? ''}`, {
        expected: '200 with content-type text/event-stream',
        received: { status: response.status, headers: this.stream.headers, body: text.slice(0, 300) },
      })
    }
    void this.#pump(response)
    const reply = await this.log.reply(1)
    check(this.log.frames[0] === reply, `${this.label}: the stream's first frame must be the reply to the connect command`, { expected: 'the connect reply first', received: this.log.frames[0] })
    if (!reply.ok) throw new CaseFailure(`${this.label}: connect refused on the stream with ${reply.error?.code}`, { expected: 'an ok connect reply', received: reply })
    this.connectResult = reply.result as ConnectResult
    this.session = String(this.connectResult.session)
  }

  async #pump(response: Response): Promise<void> {
    // The connect command went in the ticket request: its reply (id 1) is expected on the stream.
    this.log.sent({ id: 1, type: 'connect' })
    const decoder = new TextDecoder()
    const feed = sseParser(
      (event) => this.#receive(event.data, event.id),
      (comment) => this.comments.push(comment),
    )
    try {
      const reader = (this.#reader = response.body!.getReader())
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        feed(decoder.decode(value, { stream: true }))
      }
      this.end({ how: 'stream ended by the server' })
    } catch (error) {
      this.end({ how: this.abort.signal.aborted ? 'closed by the kit' : `stream failed: ${(error as Error).message}` })
    }
  }

  /** One event's frame; a `message` frame's event carries `id: <epoch>:<offset>:<channel>`, other frames none. */
  #receive(data: string, id: string | undefined): void {
    const count = this.log.frames.length
    this.log.receive(data, id)
    const frame = this.log.frames[count]
    if (!frame) return
    const expected = frame.type === 'message' ? `${frame.pos?.epoch}:${frame.pos?.offset}:${frame.channel}` : undefined
    if (id !== expected) {
      this.log.violate(expected ? `the SSE event of a message must have the id ${expected}, got ${id === undefined ? 'none' : JSON.stringify(id)}` : `the SSE event of a ${frame.type} frame has id ${JSON.stringify(id)}; only message events carry one`, { id, data: frame })
    }
  }

  protected override afterAbort(): void {
    // Not every fetch ends a body's pending read on abort (msw's streamed responses do not).
    void this.#reader?.cancel().catch(() => {})
  }
}
