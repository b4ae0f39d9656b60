import type { ServerFrame, TransportName } from '@lifeline/protocol'

/** The engine's view of one transport connection: the Node server and the MSW handlers provide it. */
export interface Outlet {
  readonly transport: TransportName
  /**
   * Sends one frame, serialized as `text` (the frame itself is there for SSE `id:` lines). Every
   * subscriber of a publication gets the same `message` frame object and text in a row, so an outlet
   * may cache its own encoding of them keyed by the frame.
   */
  send(text: string, frame: ServerFrame): void
  /** Bytes accepted by `send` but not yet written to the network. */
  bufferedBytes(): number
  /** Ends the connection; `code` is the protocol close code. */
  close(code: number, reason: string): void
  /** Called before each heartbeat `ping` frame, for transport-level keepalive (SSE comment line). */
  keepalive?(): void
}
