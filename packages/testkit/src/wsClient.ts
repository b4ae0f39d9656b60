import { PROTOCOL_VERSION, type CommandType, type ReplyFrame, type ServerFrame } from '@lifeline/protocol'
import { WebSocket as NodeWebSocket } from 'ws'
import { closeAfterTest } from './closeAfterTest'
import { FrameLog } from './frameLog'
import type { CommandFields, Target } from './request'

export interface Closed {
  code: number
  reason: string
}

export interface WsClientOptions {
  /** The `Origin` header of the upgrade (the `ws` package only; a browser-like constructor sends none). */
  origin?: string
  /** Whether `ws` answers the server's transport pings by itself. @default true */
  autoPong?: boolean
  /**
   * A WHATWG `WebSocket` constructor to use instead of the `ws` package, e.g. `globalThis.WebSocket`
   * once msw has patched it, so the MSW handlers see the connection. Read by `open()`.
   */
  WebSocket?: typeof globalThis.WebSocket
}

/**
 * A hand-driven WebSocket to `<url>/ws` that records every frame: for sending what no real client
 * would (bad frames, floods, stolen sessions) and checking the server's every answer. Closed after
 * the test by {@link closeOpened}.
 * @example
 * const client = await WsClient.connect(server, token)
 * expect(await client.command('subscribe', { channel: 'board:1' })).toMatchObject({ ok: true })
 */
export class WsClient extends FrameLog {
  /** The `ws` package's socket (pause, binary sends, transport pings), or the given constructor's. */
  readonly socket: NodeWebSocket
  /** Settles when the socket closes, with the close code and reason the client saw. */
  readonly closed: Promise<Closed>
  #nextId = 1

  private constructor(socket: NodeWebSocket) {
    super()
    this.socket = socket
    socket.addEventListener('message', (event) => this.record(JSON.parse(String(event.data)) as ServerFrame))
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: String(event.reason) })))
  }

  /** Opens the socket; resolves on `open` (before any handshake), rejects with the HTTP status of a refused upgrade. */
  static open(server: Target, { origin, autoPong = true, WebSocket }: WsClientOptions = {}): Promise<WsClient> {
    const url = `${server.url.replace(/^http/, 'ws')}/ws`
    const socket = WebSocket ? (new WebSocket(url) as unknown as NodeWebSocket) : new NodeWebSocket(url, { ...(origin ? { origin } : {}), autoPong })
    const client = new WsClient(socket)
    // `terminate()` is the `ws` package's; a WHATWG socket can only be closed.
    closeAfterTest(() => (socket instanceof NodeWebSocket ? socket.terminate() : (socket as { close(): void }).close()))
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(client), { once: true })
      if (socket instanceof NodeWebSocket) socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with ${response.statusCode}`)))
      socket.addEventListener('error', (event) => reject(event.error ?? new Error(`WebSocket to ${url} failed`)), { once: true })
    })
  }

  /** Opens the socket and completes the handshake with `token`; rejects when the server refuses. */
  static async connect(server: Target, token: string, options: WsClientOptions = {}): Promise<WsClient> {
    const client = await WsClient.open(server, options)
    const reply = await client.command('connect', { v: PROTOCOL_VERSION, token })
    if (!reply.ok) throw new Error(`connect refused: ${reply.error.code}`)
    return client
  }

  /** Sends raw text, or a frame as JSON. */
  send(frame: string | object): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends a command with the next id; resolves with its reply. */
  command<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
    return this.reply(this.commandNoWait(type, fields))
  }

  /** Sends a command with the next id without waiting for its reply; answers the id. */
  commandNoWait<T extends CommandType>(type: T, fields: CommandFields<T>): number {
    const id = this.#nextId++
    this.send({ id, type, ...fields })
    return id
  }

  /** Closes the socket normally (1000). */
  close(): void {
    this.socket.close()
  }
}
