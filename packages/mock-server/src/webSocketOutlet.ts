import type { Socket } from 'node:net'
import { CloseCode, type ServerFrame } from '@lifeline/protocol'
import { WebSocket, type RawData } from 'ws'
import { encodedPerFrame } from './encodedPerFrame'
import { BINARY_FRAME, type Outlet } from './engine/index'
import type { WebSocketSession } from './gateway/webSocketGate'

/**
 * The event-loop turn, counted. A burst or a history replay sends one client many messages within
 * one turn: the first is written at once, the rest wait corked and leave together in one write
 * instead of one system call each (Node's HTTP response corks a turn's writes the same way, until
 * the next tick). A client that gets one message per turn, the usual case, is never corked and
 * needs nothing at the end of the turn: its outlet only remembers the turn it last wrote in.
 */
let turn = 0
let turnEnding = false
let corkedThisTurn: WebSocketOutlet[] = []
function endTurn(): void {
  turn += 1
  turnEnding = false
  const corked = corkedThisTurn
  corkedThisTurn = []
  for (const outlet of corked) outlet.uncork()
}

/** `text` as one final, unmasked WebSocket text frame (RFC 6455, section 5.2), header and payload in one Buffer. */
function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text)
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + length)
  frame[0] = 0x81 // FIN, opcode 1 (text)
  if (header === 2) frame[1] = length
  else if (header === 4) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  frame.write(text, header, 'utf8')
  return frame
}

/**
 * The `ws` socket of a served connection, with what the server keeps for it: the session its frames
 * go to, and whether it answered the last transport ping. `WebSocketServer` makes these (its
 * `WebSocket` option).
 *
 * @note `ws` reports frames, pongs and the end as events of the socket itself; this socket handles
 * them in `emit`, before any listener, instead of registering listeners. An emitter keeps its
 * listeners in a dictionary object, and the four every connection needed (message, pong, close,
 * error), each a closure over its session, cost about 500 B per idle connection.
 */
export class ServedWebSocket extends WebSocket {
  /** Set once the upgrade is served; frames and the end go to it. */
  session: WebSocketSession | undefined
  /** Whether the peer answered the last transport ping (see `keepalive`). */
  alive = true

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    switch (event) {
      case 'message':
        this.session?.receive(args[1] ? BINARY_FRAME : (args[0] as RawData).toString())
        break
      case 'pong':
        this.alive = true
        break
      case 'close':
        this.session?.closed()
        break
      case 'error':
        this.session?.closed()
        // Handled: an `error` nobody listens to would be thrown (a silenced socket listens itself).
        if (this.listenerCount('error') === 0) return true
        break
    }
    return super.emit(event, ...args)
  }
}

/** The wire bytes of the channel message being fanned out, framed once for all subscribers. */
const messageFrame = encodedPerFrame((text) => textFrame(text))

/**
 * Adapts a `ws` socket to the engine. Liveness rides on the engine's heartbeat: a socket that did
 * not answer the previous WebSocket ping is terminated (ws README, "detect broken connections").
 *
 * @note Channel messages skip `ws.send()`: the frame of a publication is built once (`textFrame`)
 * and written straight to `stream`, the network socket this server handed to `handleUpgrade`, as
 * socket.io does with `Sender.frame()` for its broadcasts. `ws.send()` per subscriber framed and
 * wrote header and payload separately, and its per-call option objects fell onto V8's slow paths
 * in a busy process; the fan-out cost about 1.5x the raw `ws` loop of the benchmark. This keeps the
 * order of frames because `ws` writes every frame of its own to that same socket at once: it only
 * queues while compressing, and the server never negotiates permessage-deflate (`ws`'s default).
 * `bufferedAmount` counts these bytes too, since they wait in the same socket, and the send buffer
 * is judged after the turn (`SendBufferWatch`), once the tick has uncorked them.
 */
export function webSocketOutlet(socket: ServedWebSocket, stream: Socket): Outlet {
  return new WebSocketOutlet(socket, stream)
}

/**
 * A class rather than an object of closures: one per connection, so its methods live once on the
 * prototype instead of once per idle connection.
 */
class WebSocketOutlet implements Outlet {
  readonly transport = 'websocket'
  readonly #socket: ServedWebSocket
  readonly #stream: Socket
  /** The turn this socket last got a channel message in (-1: none yet). */
  #sentInTurn = -1
  #corked = false

  constructor(socket: ServedWebSocket, stream: Socket) {
    this.#socket = socket
    this.#stream = stream
  }

  send(text: string, frame: ServerFrame): void {
    const socket = this.#socket
    if (frame.type !== 'message') return socket.send(text)
    // What `ws.send()` does on a socket that is closing or closed: nothing goes out.
    if (socket.readyState !== WebSocket.OPEN) return
    const bytes = messageFrame(text, frame)
    if (!turnEnding) {
      turnEnding = true
      process.nextTick(endTurn)
    }
    if (this.#sentInTurn !== turn) this.#sentInTurn = turn
    else if (!this.#corked) {
      this.#corked = true
      this.#stream.cork()
      corkedThisTurn.push(this)
    }
    this.#stream.write(bytes)
  }

  /** @internal At the end of the turn it corked in. */
  uncork(): void {
    this.#corked = false
    this.#stream.uncork()
  }

  bufferedBytes(): number {
    return this.#socket.bufferedAmount
  }

  close(code: number, reason: string): void {
    // A slow consumer's close handshake would queue behind the very backlog that got it cut.
    if (code === CloseCode.SLOW_CONSUMER) this.#socket.terminate()
    else this.#socket.close(code, closeReason(reason))
  }

  keepalive(): void {
    const socket = this.#socket
    if (!socket.alive) {
      socket.terminate()
      return
    }
    socket.alive = false
    socket.ping()
  }
}

/** A close frame carries at most 123 bytes of reason (`ws` throws beyond); the `disconnect` frame has it whole. */
function closeReason(reason: string): string {
  const bytes = Buffer.from(reason)
  if (bytes.length <= 123) return reason
  // Cut on a character boundary: drop a partial UTF-8 sequence at the end.
  return bytes.subarray(0, 123).toString('utf8').replace(/\uFFFD$/, '')
}
