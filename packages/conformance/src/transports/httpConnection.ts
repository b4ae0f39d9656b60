import { PROTOCOL_VERSION, type ConnectResult } from '@lifeline/protocol'
import { FrameLog, type Ended } from '../frameLog'
import { request, type HttpAnswer } from '../http'
import { CommandSender, type Connection, type ConnectionOptions } from './connection'
import { sendUpstream } from './upstream'

/** A handshake made over HTTP: the token (none to test the refusal), protocol version and extra headers. */
export interface HttpConnectRequest {
  token: string | undefined
  v?: number
  headers?: Record<string, string>
}

/**
 * POSTs the `connect` command (id 1, the id the session's log expects its reply under) as body to
 * `path` (`/sse/ticket`, `/poll/connect`), the token in `Authorization`.
 */
export function postConnect(options: ConnectionOptions, path: string, { token, v = PROTOCOL_VERSION, headers = {} }: HttpConnectRequest): Promise<HttpAnswer> {
  return request(options.fetch, `${options.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: JSON.stringify({ id: 1, type: 'connect', v }),
    timeoutMs: options.httpMs,
  })
}

/**
 * What an SSE and a long-polling session share: frames come down over HTTP into the log, commands go
 * up by `POST /sse/send`, and the session ends once, when the server ends it or the kit closes it.
 */
export abstract class HttpConnection extends CommandSender implements Connection {
  abstract readonly transport: 'sse' | 'long-polling'
  readonly log: FrameLog
  readonly ended: Promise<Ended>
  session = ''
  connectResult: ConnectResult = { session: '', heartbeatMs: 0 }
  token: string
  protected readonly options: ConnectionOptions
  /** Aborts the session's pending requests when the kit closes it. */
  protected readonly abort = new AbortController()
  /** Records how the session ended (the first call counts) and settles {@link ended}. */
  protected readonly end: (ended: Ended) => void

  protected constructor(options: ConnectionOptions) {
    super()
    this.options = options
    this.token = options.token
    this.log = new FrameLog(() => this.label, options.waitMs)
    options.track(this)
    let settle!: (ended: Ended) => void
    this.ended = new Promise((resolve) => (settle = resolve))
    this.end = (ended) => {
      this.log.end(ended)
      settle(this.log.ended!)
    }
  }

  get label(): string {
    return `${this.options.user} over ${this.transport}${this.session ? ` (session ${this.session})` : ''}`
  }

  async sendRaw(text: string, command?: { id: number; type: string; channel?: string }): Promise<HttpAnswer> {
    return sendUpstream(this.options, this.log, this.label, { session: this.session, token: this.token, text, ...(command ? { command } : {}), require202: false })
  }

  protected override async deliver(text: string, command: { id: number; type: string; channel?: string }): Promise<void> {
    await sendUpstream(this.options, this.log, this.label, { session: this.session, token: this.token, text, command, require202: true })
  }

  async close(): Promise<void> {
    this.abort.abort()
    this.afterAbort()
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, 1000))])
  }

  /** Whatever else closing takes, right after the abort. */
  protected afterAbort(): void {}
}
