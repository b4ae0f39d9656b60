import type { Tick } from './benchServer'

export type ConnectionKind = 'lifeline' | 'lifeline-sse' | 'ws' | 'socket.io'

export interface ConnectionOptions {
  /** The server's `http://` base URL. */
  url: string
  /** A JWT for Lifeline; the others run without auth. */
  token: string
  /** Called with every tick the connection receives. */
  onTick(tick: Tick): void
}

/** One benchmark client connection, open and subscribed. */
export interface BenchConnection {
  close(): void
}

export type Connect = (options: ConnectionOptions) => Promise<BenchConnection>
