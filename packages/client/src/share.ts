import type { Connection } from './connection'
import type { ConnectionSnapshot } from './connectionState'
import type { Connector, ConnectorParts, kChange } from './connector'
import type { CurrentConnection } from './currentConnection'
import type { RealtimeError } from './errors'
import type { ResolvedOptions } from './options'
import type { ClientStats } from './types'

/** What runs a client's connection: the one-tab {@link Connector}, or the driver of a {@link Share}. */
export interface ConnectionDriver {
  readonly snapshot: ConnectionSnapshot
  /** Between `start()` and the stop (`disconnect()` or a terminal error). */
  readonly started: boolean
  readonly reconnects: number
  /** Figures `stats()` takes from where the connection really is (another tab), when not here. */
  readonly stats?: Partial<ClientStats> | undefined
  start(): void
  stop(error: RealtimeError | undefined): void
  /** The wait before retry `attempt` after `error` (channels use it for refused subscribes). */
  backoff(attempt: number, error: RealtimeError | undefined): number
}

/**
 * The core's classes, handed to a {@link Share} by the client: the sharing entry point uses these
 * instead of importing them, so a bundle holds one copy and the entry point stays its own file.
 */
export interface ShareKit {
  Connector: typeof Connector
  Connection: typeof Connection
  CurrentConnection: typeof CurrentConnection
  RealtimeError: typeof RealtimeError
  kChange: typeof kChange
}

/**
 * A way to share one connection among clients, passed as the `share` option. Make one with
 * `tabSharing({ key })` from `@lifeline/client/tabs`.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#sharing-one-connection-across-tabs
 */
export interface Share {
  /** @internal Builds the driver of one client from its options, its parts and the core's classes. */
  (options: ResolvedOptions, parts: ConnectorParts, kit: ShareKit): ConnectionDriver
}
