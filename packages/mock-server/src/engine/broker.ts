import type { ClientFrame, ErrorBody, Position, PresenceMember, ServerStamp } from '@lifeline/protocol'

/** A message as stored and fanned out by a broker. */
export interface Publication {
  channel: string
  event: string
  data: unknown
  pos: Position
  /** Stamped by the broker when it accepted the publish, stored with the message: replays carry the same. */
  meta: ServerStamp
}

export interface PublishInput {
  channel: string
  event: string
  data: unknown
  /**
   * Idempotency key: a repeat by the same `publisher` within the broker's window is acknowledged
   * with the first outcome, not delivered again.
   */
  key?: string
  /**
   * Who publishes: `user:<sub>` for a client (the engine passes the token's `sub`), anything else
   * (`server`, the default) for the server. It scopes idempotency keys, so one user's key never
   * suppresses another's publish, and it is the message's `meta.publisher`: the `sub` after `user:`,
   * or `null` for the server (see {@link publisherOf}). Server code may publish on behalf of a user
   * with `user:<sub>`; clients cannot choose it.
   * @default 'server'
   */
  publisher?: string
}

/** The `meta.publisher` of a publish by `publisher`: the `sub` of `user:<sub>`, else `null` (the server). */
export const publisherOf = (publisher: string | undefined): string | null => (publisher?.startsWith('user:') ? publisher.slice(5) : null)

/** One connection in a channel's presence. */
export interface PresenceEntry {
  channel: string
  /** The session id: one user may be in a channel's presence with several connections. */
  connection: string
  /** The token `sub` of the connection's user. */
  sub: string
  /** What the connection joined with; absent when it gave none. */
  data?: unknown
}

/** A change of one member of a channel's presence, numbered so that a snapshot can tell which came after it. */
export interface PresenceChange {
  action: 'join' | 'leave' | 'update'
  member: PresenceMember
  /** The channel's presence version after this change; versions of a channel only grow. */
  version: number
}

/** A channel's presence at one moment: its members, and the version of the last change they include. */
export interface PresenceSnapshot {
  members: PresenceMember[]
  version: number
}

export interface PublishOutcome {
  position: Position
  duplicate: boolean
}

export interface HistoryResult {
  /** The channel's latest position. */
  position: Position
  /** `false` when `since` could not be served: other epoch, or history trimmed past it. */
  recovered: boolean
  /**
   * Publications after `since`, oldest first. Without `since`, the last `rewind` ones (none without
   * `rewind`). When not recovered, none, except for a `since` of an epoch the channel no longer has
   * while history still holds the whole current epoch: then all of it, from offset 1 (see `replayFrom`).
   */
  publications: Publication[]
  /**
   * The position just before the first of `publications` when they do not follow `since`: the
   * current epoch replayed from its start (`{ epoch, offset: 0 }`), or a rewind's start (the latest
   * position when there was nothing to rewind). Absent otherwise.
   */
  replayFrom?: Position
}

/**
 * Called when a broker ends a subscription on its own (it lost the fan-out, so live publications
 * could be missed): the subscriber must resubscribe from its position to learn what it missed.
 */
export type SubscriptionEnded = (error: ErrorBody) => void

/** An SSE upstream command on its way to the replica that holds the session's stream. */
export interface UpstreamEnvelope {
  /** `sub` claim of the token that authenticated the POST (`''` when the server runs without auth). */
  subject: string
  /** The token itself, so the session can adopt a newer one. */
  token?: string
  frame: ClientFrame
}

export type UpstreamVerdict = { accepted: true } | Refusal

/** A request turned down, with the HTTP status and the protocol's error. */
export type Refusal = { accepted: false; status: number; error: ErrorBody }

/** A long poll on its way to the replica that holds the session. */
export interface PollEnvelope {
  /** `sub` claim of the token that authenticated the poll. */
  subject: string
  /** Sequence number of the last frame the client received. */
  ack: number
}

/** A poll's answer: the frames after its `ack` as JSON texts, the last numbered `seq`. */
export type PollVerdict = { accepted: true; seq: number; frames: string[] } | Refusal

export type BrokerHealth = { status: 'ok' } | { status: 'degraded'; reason: string }

/**
 * What the protocol engine needs from a message broker. Two implementations: `MemoryBroker`
 * (one process, the default) and `RedisBroker` (several replicas). Passed in, never sniffed.
 */
export interface Broker {
  /**
   * Assigns the channel's next position and appends to its bounded history atomically, then fans the
   * publication out to every replica's subscribers (including this one's). A repeat `key` of the
   * same publisher within the idempotency window returns the first outcome with `duplicate: true`
   * and is not fanned out.
   *
   * Resolves only for a publication every subscriber on every replica will receive, or learn it
   * missed. When it cannot promise that (not connected to its store yet, or lost it), it rejects
   * with `RefusedError('UNAVAILABLE')` and stores nothing it would not deliver.
   */
  publish(input: PublishInput): Promise<PublishOutcome>
  /**
   * Live publications of `channel` from every replica, and with `presence` the changes of its
   * presence. Resolves once the subscription is in effect, so a history or presence read that
   * follows cannot miss a message or a change. Calls `ended` (and nothing more) if it must end the
   * subscription later; rejects with `RefusedError('UNAVAILABLE')` when it cannot subscribe now.
   */
  subscribe(channel: string, listener: (publication: Publication) => void, ended?: SubscriptionEnded, presence?: (change: PresenceChange) => void): Promise<() => void>
  /**
   * The channel's position, and with `since` the publications after it when still in history.
   * Without `since`, `rewind` asks for the last `rewind` publications history holds (fewer when it
   * holds fewer), with `replayFrom` just before the first of them.
   * Rejects with `RefusedError('UNAVAILABLE')` when it cannot read the channel's history now.
   */
  history(channel: string, since?: Position, rewind?: number): Promise<HistoryResult>
  /**
   * Adds a connection of this replica to a channel's presence. The changes it makes reach the
   * `presence` listeners of {@link Broker.subscribe} on every replica. Rejects with
   * `RefusedError('UNAVAILABLE')` when it cannot now; a {@link Broker.leavePresence} still follows.
   */
  joinPresence(entry: PresenceEntry): Promise<void>
  /**
   * Removes a connection from a channel's presence (a no-op when it is not there). Never fails: a
   * broker that cannot tell its store now keeps trying until it can.
   */
  leavePresence(channel: string, connection: string): void
  /** The channel's presence now, on every replica. Rejects with `RefusedError('UNAVAILABLE')` when it cannot read it. */
  presence(channel: string): Promise<PresenceSnapshot>
  /** Receives upstream commands addressed to a session held by this replica. */
  registerSession(session: string, handler: (envelope: UpstreamEnvelope) => UpstreamVerdict): () => void
  /** Delivers an upstream command to whichever replica holds `session`. */
  routeToSession(session: string, envelope: UpstreamEnvelope): Promise<UpstreamVerdict>
  /** Receives the long polls of a long-polling session held by this replica. */
  registerPoller(session: string, handler: (envelope: PollEnvelope) => Promise<PollVerdict>): () => void
  /**
   * Hands a long poll to whichever replica holds `session`; the holder may keep it up to `holdMs`
   * before it answers.
   */
  routePoll(session: string, envelope: PollEnvelope, holdMs: number): Promise<PollVerdict>
  /**
   * Records `key` for `ttlMs` and answers `true` the first time only, on every replica (single-use
   * SSE tickets).
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>
  /** Keeps `value` under `key` for `ttlMs`, for one {@link Broker.take} on any replica (SSE ticket records). */
  keep(key: string, value: string, ttlMs: number): Promise<void>
  /** Removes and answers the value kept under `key`, or `undefined` when it expired or was taken. */
  take(key: string): Promise<string | undefined>
  health(): BrokerHealth
  /** Notified when `health()` changes. */
  onHealthChange(listener: (health: BrokerHealth) => void): () => void
  close(): Promise<void>
}

/** Not found: the session lives on no replica. */
export const SESSION_NOT_FOUND: Refusal = {
  accepted: false,
  status: 404,
  error: { code: 'SESSION_NOT_FOUND', message: 'No live session with this id' },
}
