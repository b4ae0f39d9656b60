import type { Connection } from './connection'

/**
 * The one owner of "the current connection". Channels, the outbox and the token refresh read it
 * and hear when it changes. A connection leaves the slot closed, and a closed connection delivers
 * nothing, so no part needs to check whether a frame or a reply comes from a stale connection.
 */
export class CurrentConnection {
  #connection: Connection | undefined
  readonly #listeners = new Set<(connection: Connection | undefined) => void>()

  get(): Connection | undefined {
    return this.#connection
  }

  /** Makes `connection` current (or none), closing the one before. */
  set(connection: Connection | undefined): void {
    const previous = this.#connection
    if (previous === connection) return
    this.#connection = connection
    previous?.close()
    for (const listener of [...this.#listeners]) listener(connection)
  }

  /** Calls `listener` after every change; returns the unsubscribe. */
  onChange(listener: (connection: Connection | undefined) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
