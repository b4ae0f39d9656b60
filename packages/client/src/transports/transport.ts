import type { ClientFrame, ConnectCommand, ServerFrame, TransportName } from '@lifeline/protocol'
import type { RealtimeErrorCode } from '../errors'

export type { TransportName }

/** The network constructors a transport may use; injected for Node, workers and tests. */
export interface NetworkDeps {
  /** Needed when `transports` includes `'websocket'`. @default globalThis.WebSocket */
  WebSocket?: typeof globalThis.WebSocket | undefined
  /** Needed when `transports` includes `'sse'`. @default globalThis.EventSource */
  EventSource?: typeof globalThis.EventSource | undefined
  /** Needed when `transports` includes `'sse'` or `'long-polling'` (their POSTs). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch | undefined
}

/** What a transport gets from the connection that owns it. */
export interface TransportContext extends NetworkDeps {
  /** The server's base URL, `http(s)://host[:port][/prefix]`. */
  url: string
  /** The handshake to perform; over HTTP its token travels in the `Authorization` header. */
  connect: ConnectCommand
  /** The current token, for the `Authorization` header of POSTs. */
  token(): string | undefined
  /** The session id from the connect reply, for POSTs after the handshake. */
  session(): string | undefined
  /** A frame from the server, or `undefined` for something unreadable. */
  receive(frame: ServerFrame | undefined): void
  /** The transport ended on its own (not after `close()`). */
  closed(code: number, reason: string): void
}

/**
 * One physical connection. It starts the handshake as soon as it is created and reports frames
 * and its end through the context; `close()` ends it silently.
 */
export interface Transport {
  send(frame: ClientFrame): void
  close(): void
  /** What a handshake that has not completed in time means, given how far this transport got. */
  stalled?: RealtimeErrorCode
}

export type TransportFactory = (context: TransportContext) => Transport

/** Close code for a connection that ended without one (network cut, stream error): back off. */
export const ABNORMAL_CLOSURE = 1006
