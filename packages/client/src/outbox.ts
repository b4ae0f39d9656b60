import type { Connection } from './connection'
import type { CurrentConnection } from './currentConnection'
import { RealtimeError } from './errors'
import { noop } from './timers'
import type { PublishCommand, PublishResult } from '@lifeline/protocol'

interface Entry {
  request: Omit<PublishCommand, 'id'>
  settle(error: RealtimeError | undefined, result?: PublishResult): void
  /** Refusals so far that a later try can fix (the backoff's attempt number). */
  refusals: number
  /** The last such refusal: the cause of `QUEUE_EXPIRED`. */
  refused?: RealtimeError
  /** Not on its way on the current connection: waits for the next flush or retry. */
  waiting: boolean
}

export interface OutboxOptions {
  /** Where publishes go at once, when connected. */
  current: CurrentConnection
  queueSize: number
  queueTtlMs: number
  maxFrameBytes: number
  schedule(callback: () => void, ms: number): () => void
  /** The wait before try `attempt + 1` after a retryable refusal (the reconnect backoff, never under `retryAfterMs`). */
  retryDelay(attempt: number, error: RealtimeError): number
}

/**
 * Publishes waiting for the server's reply, in order, bounded in size and time. Each keeps its idempotency key for life, so
 * sending it again after a reconnect is safe: the server acknowledges a repeat without delivering
 * it twice. Flushed in order on every new connection. A publish the server refuses with a code a
 * later try can fix (`UNAVAILABLE`, `RATE_LIMITED`, `INTERNAL`) stays queued and goes out again,
 * with the same key, after a backoff, until it is acknowledged or `queueTtlMs` runs out.
 */
export class Outbox {
  /** In insertion order, which is the order of sending. */
  readonly #entries = new Set<Entry>()
  readonly #options: OutboxOptions
  /** The connection the waiting publishes went out on: a new publish follows them there at once. */
  #flushed: Connection | undefined
  /** Cancels the pending retry of the publishes refused for now. */
  #cancelRetry = noop

  constructor(options: OutboxOptions) {
    this.#options = options
  }

  add(request: Omit<PublishCommand, 'id'>): Promise<PublishResult> {
    return new Promise((resolve, reject) => {
      const { queueSize, queueTtlMs, maxFrameBytes, schedule } = this.#options
      // The server would refuse it on every connection (over 4× its limit, by closing the socket):
      // never queue it. A Blob's size is the UTF-8 byte count the server measures; the id the
      // connection adds later is counted at its widest (16 digits, as 2 ** 53).
      if (new Blob([JSON.stringify({ ...request, id: 2 ** 53 })]).size > maxFrameBytes) return reject(new RealtimeError('FRAME_TOO_LARGE'))
      if (this.#entries.size >= queueSize) return reject(new RealtimeError('QUEUE_FULL'))
      const cancel = schedule(() => entry.settle(new RealtimeError('QUEUE_EXPIRED', undefined, { cause: entry.refused })), queueTtlMs)
      const entry: Entry = {
        request,
        refusals: 0,
        waiting: true,
        settle: (error, result) => {
          if (!this.#entries.delete(entry)) return
          cancel()
          if (error) reject(error)
          else resolve(result!)
        },
      }
      this.#entries.add(entry)
      // Behind publishes waiting for a retry, it waits too: they all go then, in order.
      if (this.#cancelRetry === noop) this.#drain()
    })
  }

  /** Sends every waiting publish on a new connection, oldest first. */
  flush(connection: Connection): void {
    this.#flushed = connection
    this.#retried()
    for (const entry of [...this.#entries]) this.#send(entry, connection)
  }

  /** Rejects everything (the app called `disconnect()`, or the client stopped for good). */
  rejectAll(error: RealtimeError): void {
    this.#retried()
    for (const entry of [...this.#entries]) entry.settle(error)
  }

  #send(entry: Entry, connection: Connection): void {
    entry.waiting = false
    connection.request(entry.request, (error, result) => {
      // Lost with the connection, it stays queued and goes out again on the next one.
      if (error && connection.closed) return
      if (!error?.retryable) return entry.settle(error, result as PublishResult)
      // Refused for now (the server is busy or degraded): try again later with the same key. Every
      // publish waiting then goes, oldest first, after one wait (from the latest refusal): a rate
      // limit refuses a run of them, and a jittered wait each would send them again in any order.
      // On a new connection before then, the flush sends them at once.
      entry.refused = error
      entry.waiting = true
      this.#cancelRetry()
      this.#cancelRetry = this.#options.schedule(() => (this.#retried(), this.#drain()), this.#options.retryDelay(entry.refusals++, error))
    })
  }

  /** Cancels the pending retry, if any: new publishes need not wait for it. */
  #retried(): void {
    this.#cancelRetry()
    this.#cancelRetry = noop
  }

  /**
   * Sends the waiting publishes, oldest first, on the current connection once it was flushed (a
   * publish from a listener while a new connection is set up goes after the queued ones, from the flush).
   */
  #drain(): void {
    const connection = this.#options.current.get()
    if (connection && connection === this.#flushed) for (const entry of [...this.#entries]) if (entry.waiting) this.#send(entry, connection)
  }
}
