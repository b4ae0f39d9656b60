import type { Command, ConnectCommand, ServerFrame } from '@lifeline/protocol'

export type TransportName = 'websocket' | 'sse'

/** The network constructors a transport may use; injected for Node, workers and tests. */
export interface NetworkDeps {
  /** Needed when `transports` includes `'websocket'`. @default globalThis.WebSocket */
  WebSocket?: typeof globalThis.WebSocket | undefined
  /** Needed when `transports` includes `'sse'`. @default globalThis.EventSource */
  EventSource?: typeof globalThis.EventSource | undefined
  /** Needed when `transports` includes `'sse'` (ticket and upstream POSTs). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch | undefined
}

/** What a transport gets from the connection that owns it. */
export interface TransportContext extends NetworkDeps {
  /** The server's base URL, `http(s)://host[:port][/prefix]`. */
  url: string
  /** The handshake to perform; over SSE its token travels in the ticket request's header. */
  connect: ConnectCommand
  /** The current token, for SSE upstream POSTs. */
  token(): string | undefined
  /** The session id from the connect reply, for SSE upstream POSTs. */
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
  send(command: Command): void
  close(): void
}

export type TransportFactory = (context: TransportContext) => Transport

/** Close code for a connection that ended without one (network cut, stream error): back off. */
export const ABNORMAL_CLOSURE = 1006
