import type { ClientFrame, ErrorBody, Position } from '@lifeline/protocol'

/** A message as stored and fanned out by a broker. */
export interface Publication {
  channel: string
  event: string
  data: unknown
  pos: Position
}

export interface PublishInput {
  channel: string
  event: string
  data: unknown
  /** Idempotency key: a repeat within the broker's window is acknowledged, not delivered again. */
  key?: string
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
  /** Publications after `since`, oldest first (empty when not recovered or no `since`). */
  publications: Publication[]
}

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
   * publication out to every replica's subscribers (including this one's). A repeat `key` within the
   * idempotency window returns the first outcome with `duplicate: true` and is not fanned out.
   */
  publish(input: PublishInput): Promise<PublishOutcome>
  /**
   * Live publications of `channel` from every replica. Resolves once the subscription is in
   * effect, so a history read that follows cannot miss a message.
   */
  subscribe(channel: string, listener: (publication: Publication) => void): Promise<() => void>
  /** The channel's position, and with `since` the publications after it when still in history. */
  history(channel: string, since?: Position): Promise<HistoryResult>
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
