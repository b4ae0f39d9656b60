import { randomUUID } from 'node:crypto'
import type { TransportName } from '@lifeline/protocol'
import type { ResolvedConfig } from './config'
import { NotApplicable } from './failure'
import type { Violation } from './frameLog'
import { request, type Fetch, type HttpAnswer } from './http'
import type { Tokens, User } from './tokens'
import type { Connection, ConnectionOptions, WebSocketConstructor } from './transports/connection'
import { LongPollConnection } from './transports/longPollConnection'
import { SseConnection } from './transports/sseConnection'
import { WebSocketConnection } from './transports/webSocketConnection'

export interface OpenOptions {
  /** @default the case's transport */
  transport?: TransportName
  /** The token to connect with. @default the user's token for this run */
  token?: string
  /** @default the first server URL */
  url?: string
  /** Where upstream POSTs go (another replica). */
  sendUrl?: string
  /** Where polls go (another replica). */
  pollUrl?: string
  /** Extra request headers of the SSE ticket or poll opening (`origin`). */
  headers?: Record<string, string>
}

/**
 * What a case works with: the config, the tokens, fresh channel names, and connections that are all
 * closed when the case ends, however it ends.
 */
export class CaseContext {
  readonly config: ResolvedConfig
  readonly transport: TransportName
  /** Every transport selected for the run. */
  readonly transports: readonly TransportName[]
  readonly url: string
  readonly url2: string | undefined
  readonly tokens: Tokens
  /** Extra time the case asked for on top of `timeouts.caseMs` (waits for heartbeats, timeouts). */
  allowanceMs = 0
  /** What the report should say about a pass (which of two allowed answers the server gave). */
  readonly notes: string[] = []
  readonly #fetch: Fetch
  readonly #WebSocket: WebSocketConstructor
  readonly #open: { close(): Promise<void> }[] = []
  readonly #connections: Connection[] = []
  #closed = false

  constructor(init: { config: ResolvedConfig; transport: TransportName; transports: readonly TransportName[]; url: string; url2: string | undefined; tokens: Tokens; fetch: Fetch; WebSocket: WebSocketConstructor }) {
    this.config = init.config
    this.transport = init.transport
    this.transports = init.transports
    this.url = init.url
    this.url2 = init.url2
    this.tokens = init.tokens
    this.#fetch = init.fetch
    this.#WebSocket = init.WebSocket
  }

  get waitMs(): number {
    return this.config.timeouts.replyMs
  }

  /** The second replica's URL; the case is not applicable without one. */
  requireUrl2(): string {
    if (!this.url2) throw new NotApplicable('needs a second replica (--url2)')
    return this.url2
  }

  /** An optional setting of the config; the case is not applicable without it (`why` says what its absence means). */
  requireConfig<K extends 'apiKey' | 'refusedOrigin'>(name: K, why = ''): NonNullable<ResolvedConfig[K]> {
    const value = this.config[name]
    if (value === undefined) throw new NotApplicable(`config.${name} is not set${why}`)
    return value as NonNullable<ResolvedConfig[K]>
  }

  /** Adds a line to the case's report. */
  note(text: string): void {
    this.notes.push(text)
  }

  /** Gives the case `ms` more before its deadline, for a wait the server's own timing decides. */
  allow(ms: number): void {
    this.allowanceMs += ms
  }

  /** A channel name from the config; `{unique}` becomes a fresh id, so each call may name a new, empty channel. */
  channel(kind: 'both' | 'onlyA' | 'readOnlyForB'): string {
    const template = this.config.channels[kind]
    if (template === undefined) throw new NotApplicable(`config.channels.${kind} is not set`)
    return template.replaceAll('{unique}', `c${randomUUID().slice(0, 8)}`)
  }

  /** Whether `channel('both')` names a new, empty channel each time. */
  get freshChannels(): boolean {
    return this.config.channels.both.includes('{unique}')
  }

  options(user: User, { token, url, sendUrl, pollUrl }: Omit<OpenOptions, 'transport' | 'headers'> = {}): ConnectionOptions {
    const { timeouts } = this.config
    return {
      fetch: this.#fetch,
      WebSocket: this.#WebSocket,
      url: url ?? this.url,
      ...(sendUrl ? { sendUrl } : {}),
      ...(pollUrl ? { pollUrl } : {}),
      token: token ?? this.tokens.of(user),
      user: user.toUpperCase(),
      waitMs: timeouts.replyMs,
      httpMs: timeouts.httpMs,
      // The server holds a poll for less than its heartbeat interval; a case never waits longer than that.
      pollHoldMs: timeouts.caseMs,
      // A case past its deadline may still open connections; they are closed as they come.
      track: (connection) => (this.#closed ? queueMicrotask(() => void connection.close().catch(() => {})) : this.#open.push(connection)),
    }
  }

  /** A connected session of `user` (the handshake must succeed, or the case fails there). */
  async connect(user: User, { transport = this.transport, headers, ...rest }: OpenOptions = {}): Promise<Connection> {
    const options = this.options(user, rest)
    const connection =
      transport === 'websocket'
        ? await WebSocketConnection.connect(options)
        : transport === 'sse'
          ? await SseConnection.connect(options, headers ? { headers } : {})
          : await LongPollConnection.connect(options, headers ? { headers } : {})
    this.#connections.push(connection)
    return connection
  }

  /** A WebSocket before any handshake. */
  async openWebSocket(user: User, { autoPong = true, url }: { autoPong?: boolean; url?: string } = {}): Promise<WebSocketConnection> {
    const connection = await WebSocketConnection.open(this.options(user, url ? { url } : {}), { autoPong })
    this.#connections.push(connection)
    return connection
  }

  /** One HTTP request to the server (or `url`). */
  http(method: string, path: string, { headers = {}, body, url = this.url }: { headers?: Record<string, string>; body?: string; url?: string } = {}): Promise<HttpAnswer> {
    return request(this.#fetch, `${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }), timeoutMs: this.config.timeouts.httpMs })
  }

  /** What every connection of the case found wrong on its own (double replies, skipped offsets, …). */
  violations(): Violation[] {
    return this.#connections.flatMap((connection) => connection.log.violations)
  }

  /** Closes everything the case opened. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#open.splice(0).map((connection) => connection.close().catch(() => {})))
  }
}
