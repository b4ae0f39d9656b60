import type { Command, CommandType, ConnectResult, ReplyFrame, TransportName } from '@lifeline/protocol'
import type { Ended, FrameLog } from '../frameLog'
import type { Fetch, HttpAnswer } from '../http'

/** The browser's `WebSocket` API, as much of it as the kit uses (the `ws` package and msw's interceptor both have it). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string | ArrayBufferView): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
  addEventListener(type: 'open' | 'error', listener: (event: unknown) => void): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** What every transport needs to open a connection. */
export interface ConnectionOptions {
  fetch: Fetch
  WebSocket: WebSocketConstructor
  /** Base URL of the server the connection opens on. */
  url: string
  /** Base URL for upstream POSTs (SSE, long-polling); another replica in cross-replica cases. @default url */
  sendUrl?: string
  /** Base URL for polls (long-polling). @default url */
  pollUrl?: string
  token: string
  /** Who the token belongs to, for reports: "A" or "B". */
  user: string
  /** How long to wait for a reply or a frame. */
  waitMs: number
  /** How long an HTTP request may take. */
  httpMs: number
  /** How long a poll may be held (the server holds it up to its poll interval, below heartbeatMs). */
  pollHoldMs: number
  /** Called with every connection as it is created, so the kit closes it after the case whatever happens. */
  track: (connection: { close(): Promise<void> }) => void
}

export type CommandFields<T extends CommandType> = Omit<Extract<Command, { type: T }>, 'id' | 'type'>

/** An open, connected session on one transport, as a case drives it. */
export interface Connection {
  readonly transport: TransportName
  /** "A over sse (session s_12)", for reports. */
  readonly label: string
  readonly log: FrameLog
  readonly session: string
  readonly connectResult: ConnectResult
  /** The token upstream POSTs and polls carry (cases set it after a refresh). */
  token: string
  /** Takes the next command id, for a frame the case builds itself. */
  nextId(): number
  /** Sends a command with the next id; resolves with its id once the server took it (an upstream POST answered 202). */
  send<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<number>
  /** Sends a command and resolves with its reply. */
  command<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<ReplyFrame>
  /**
   * Sends raw text as a client frame. Over WebSocket it goes on the socket (`answer` is undefined);
   * over SSE and long-polling it is the body of an upstream POST, whose answer comes back. `command`
   * registers the id the server should answer, if it is a command.
   */
  sendRaw(text: string, command?: { id: number; type: string; channel?: string }): Promise<HttpAnswer | undefined>
  /** Resolves when the server ended the connection. */
  readonly ended: Promise<Ended>
  /** Closes the connection (idempotent, bounded). */
  close(): Promise<void>
}

/** Ids and the command/reply round trip, shared by the three transports. */
export abstract class CommandSender {
  abstract readonly log: FrameLog
  #nextId = 2

  /** The next command id (the connect command is 1). */
  nextId(): number {
    return this.#nextId++
  }

  async send<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<number> {
    const id = this.nextId()
    const frame = { id, type, ...fields }
    await this.deliver(JSON.stringify(frame), { id, type, ...('channel' in fields ? { channel: fields.channel as string } : {}) })
    return id
  }

  async command<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
    return this.log.reply(await this.send(type, fields))
  }

  /** Sends one command frame; fails the case when the server does not take it. */
  protected abstract deliver(text: string, command: { id: number; type: string; channel?: string }): Promise<void>
}

export type { Ended, HttpAnswer }
