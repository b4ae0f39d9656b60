import type { Command, ErrorBody, ServerFrame } from '@lifeline/protocol'
import type { ConnectionSnapshot } from '../connectionState'
import type { RealtimeError } from '../errors'
import type { ClientStats } from '../types'

/** A snapshot as it crosses between tabs: errors as plain data (structured clone drops their class). */
export type SnapshotWire = Omit<ConnectionSnapshot, 'error'> & { error: ErrorBody | undefined }

/** The leader's figures for `stats()`. */
export type StatsWire = Pick<ClientStats, 'rttMs' | 'reconnects'>

/**
 * What the tabs of one share say to each other over their BroadcastChannel. Every tab hears every
 * message and keeps what is meant for it.
 */
export type Wire =
  /** A tab (re)joined: the leader answers with an announcement. */
  | { hello: 1 }
  /** A tab called `connect()` while the shared connection was stopped: the leader starts it again. */
  | { start: 1 }
  /**
   * The leader's id, the session of its connection (tabs link to each one anew), its connection
   * state and figures: on election, on every change, on request.
   */
  | { leader: string; session: string | undefined; snapshot: SnapshotWire; figures: StatsWire }
  /**
   * A command from link `from` to the leader. Only the leading tab's hub has the channel open (it
   * closes it before its lock can pass on), so no other tab answers it; a command sent to the leader
   * before, heard by the next, is served like any link's, and the tab's next link replaces that one.
   */
  | { from: string; frame: Command }
  /** A frame from the leader for the links listed in `links`. */
  | { links: string[]; frame: ServerFrame }
  /** An `error` event of the shared connection, for every tab. */
  | { error: ErrorBody }

/**
 * Opens the share's BroadcastChannel until `signal` aborts: `hear` gets what the other tabs post.
 * Returns the post, which does nothing once closed (a channel that is closed throws instead).
 */
export function openChannel(Channel: typeof BroadcastChannel, name: string, signal: AbortSignal, hear: (message: Wire) => void): (message: Wire) => void {
  const channel = new Channel(name)
  channel.onmessage = ({ data }: MessageEvent<Wire>) => hear(data)
  signal.addEventListener('abort', () => channel.close())
  return (message) => signal.aborted || channel.postMessage(message)
}

/**
 * An error as data, for a reply frame or a snapshot: its own fields (`code`, `retryAfterMs`, …) and
 * its message, which an Error does not enumerate.
 */
export const errorBody = (error: RealtimeError): ErrorBody => ({ ...error, message: error.message }) as ErrorBody
