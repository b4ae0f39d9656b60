import type { CommandType, ReplyFrame, ServerFrame } from '@lifeline/protocol'
import { EventSource } from 'eventsource'
import { closeAfterTest } from './closeAfterTest'
import { FrameLog, WAIT_MS } from './frameLog'
import { realClearTimeout, realSetTimeout } from './realTimers'
import { requestTicket, sendUpstream, type CommandFields, type HttpResult, type Target } from './request'

/**
 * A hand-driven SSE session: the `eventsource` package's EventSource on `/sse`, commands by
 * `POST /sse/send`. Closed after the test by {@link closeOpened}.
 * @example
 * const client = await SseClient.connect(server, token)
 * await client.command(server, 'subscribe', { channel: 'board:1' })
 */
export class SseClient extends FrameLog {
  readonly source: EventSource
  /** The SSE event `id:` of each message frame, in order. */
  readonly eventIds: string[] = []
  /** The URLs the EventSource requested (to check no token ever goes into one). */
  readonly requestedUrls: string[] = []
  session = ''
  token: string
  #nextId = 2

  private constructor(url: string, token: string, origin: string | undefined) {
    super()
    this.token = token
    this.source = new EventSource(url, {
      fetch: (input, init) => {
        this.requestedUrls.push(String(input))
        return fetch(input, { ...init, headers: { ...init?.headers, ...(origin ? { origin } : {}) } })
      },
    })
    closeAfterTest(() => this.source.close())
    this.source.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data) as ServerFrame
      if (frame.type === 'message') this.eventIds.push(event.lastEventId)
      this.record(frame)
    })
  }

  /** Opens a stream with a ticket already in hand (connect id 1); resolves once the connect reply arrived. */
  static async withTicket(server: Target, ticket: string, token: string, origin?: string): Promise<SseClient> {
    const client = new SseClient(`${server.url}/sse?ticket=${encodeURIComponent(ticket)}`, token, origin)
    const reply = await client.reply(1)
    if (!reply.ok) throw new Error(`connect refused: ${reply.error.code}`)
    client.session = (reply.result as { session: string }).session
    return client
  }

  /** The whole handshake: a ticket by POST with the token, then the stream. */
  static async connect(server: Target, token: string, origin?: string): Promise<SseClient> {
    const ticket = await requestTicket(server, token, origin ? { origin } : {})
    if (ticket.status !== 200) throw new Error(`ticket refused: ${JSON.stringify(ticket.body)}`)
    return SseClient.withTicket(server, ticket.body.ticket, token, origin)
  }

  /** `POST /sse/send` with this client's token and session (or others'); answers the HTTP result. */
  post(server: Target, frame: string | object, { token = this.token, session = this.session }: { token?: string; session?: string } = {}): Promise<HttpResult> {
    return sendUpstream(server, frame, { token, session })
  }

  /** Sends a command upstream (must be accepted with 202); resolves with its reply from the stream. */
  async command<T extends CommandType>(server: Target, type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
    const id = this.#nextId++
    const answer = await this.post(server, { id, type, ...fields })
    if (answer.status !== 202) throw new Error(`upstream ${type} refused with ${answer.status}: ${JSON.stringify(answer.body)}`)
    return this.reply(id)
  }

  /** Closes the stream. */
  close(): void {
    this.source.close()
  }

  /** Resolves once the server ended the stream (the EventSource is no longer open). */
  ended(timeoutMs = WAIT_MS): Promise<void> {
    if (this.source.readyState !== EventSource.OPEN) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = realSetTimeout(() => reject(new Error(`the stream stayed open for ${timeoutMs} ms`)), timeoutMs)
      this.source.addEventListener('error', () => {
        if (this.source.readyState === EventSource.OPEN) return
        realClearTimeout(timer)
        resolve()
      })
    })
  }
}
