/**
 * Protocol v1 frames, shared by the client, the mock server and the conformance kit. The JSON
 * Schema in `schema/` describes the same frames; a test keeps the two in step.
 */
import type { ErrorCode } from './codes'

/** The protocol version this build speaks. */
export const PROTOCOL_VERSION = 1

/** The largest presence `data`, in UTF-8 bytes of its JSON. */
export const MAX_PRESENCE_DATA_BYTES = 1024

/** Where a message sits in its channel's history. `offset` strictly increases within an `epoch`. */
export interface Position {
  epoch: string
  offset: number
}

// ---- client → server commands (each carries an `id`, answered by exactly one reply) ----

export interface ConnectCommand {
  id: number
  type: 'connect'
  /** Protocol version, must be {@link PROTOCOL_VERSION}. */
  v: number
  /** Over WebSocket the token travels here; over SSE it goes in the ticket request's header. */
  token?: string
}
export interface SubscribeCommand {
  id: number
  type: 'subscribe'
  channel: string
  /** The last position the client has seen; the server replays what came after it. */
  since?: Position
  /**
   * Without `since`: replay the channel's last `rewind` messages from history (at most what history
   * holds) before the live ones. Ignored with `since`.
   */
  rewind?: number
  /** Join the channel's presence (and receive its changes), with optional data about this connection. */
  presence?: PresenceRequest
}
/** What a connection joins presence with: `data` (any JSON, at most {@link MAX_PRESENCE_DATA_BYTES}) describes it to the others. */
export interface PresenceRequest {
  data?: unknown
}
export interface UnsubscribeCommand {
  id: number
  type: 'unsubscribe'
  channel: string
}
export interface PublishCommand {
  id: number
  type: 'publish'
  channel: string
  event: string
  data: unknown
  /** Idempotency key: a repeat within the server's window is acknowledged but not delivered again. */
  key: string
}
export interface RefreshCommand {
  id: number
  type: 'refresh'
  token: string
}
export interface PingCommand {
  id: number
  type: 'ping'
}

export type Command =
  | ConnectCommand
  | SubscribeCommand
  | UnsubscribeCommand
  | PublishCommand
  | RefreshCommand
  | PingCommand

export type CommandType = Command['type']

// ---- reply results, per command ----

export interface ConnectResult {
  /** Session id; over SSE it addresses upstream POSTs. */
  session: string
  /** The server pushes a `ping` at this interval; silence past interval + grace means the link is dead. */
  heartbeatMs: number
  /** Milliseconds until the token expires, when it does. Relative, so clocks need not agree. */
  expiresInMs?: number
}
export interface SubscribeResult {
  /**
   * The subscription's cursor: the position just before the first message it delivers. With
   * `since` and `recovered: true` it is `since` (the replay follows); otherwise the channel's
   * latest position (`offset: 0` on an empty channel).
   */
  position: Position
  /** `false` when `since` was given but the missed messages are gone (epoch changed or history trimmed). */
  recovered: boolean
  /** With `presence` in the subscribe: who is in the channel's presence now, this connection's user included. */
  presence?: PresenceMember[]
}
export interface PublishResult {
  position: Position
  /** `true` when the idempotency key was seen within the window: acknowledged, not delivered again. */
  duplicate: boolean
}
export interface RefreshResult {
  expiresInMs?: number
}
export type EmptyResult = Record<string, never>

export interface ResultMap {
  connect: ConnectResult
  subscribe: SubscribeResult
  unsubscribe: EmptyResult
  publish: PublishResult
  refresh: RefreshResult
  ping: EmptyResult
}

export interface ErrorBody {
  code: ErrorCode
  message: string
  /** Advice: wait at least this long before retrying. */
  retryAfterMs?: number
}

// ---- server → client frames ----

export type ReplyFrame =
  | { type: 'reply'; id: number; ok: true; result: ResultMap[CommandType] }
  | { type: 'reply'; id: number; ok: false; error: ErrorBody }

export interface MessageFrame {
  type: 'message'
  channel: string
  event: string
  data: unknown
  pos: Position
  meta: ServerStamp
}
/** What the server stamps on every message when it accepts the publish; a client cannot set it. */
export interface ServerStamp {
  /** The token `sub` of the client that published, or `null` for the server (publish API, server code). */
  publisher: string | null
  /** When the server accepted the message, in milliseconds since the Unix epoch (the server's clock). */
  time: number
}
/** One user in a channel's presence: all of its connections that joined count as one member. */
export interface PresenceMember {
  /** The token `sub` of the user. */
  sub: string
  /** How many of the user's connections are in the channel's presence (0 in a `leave`). */
  connections: number
  /** The presence data of the user's most recent connection, when it gave any. */
  data?: unknown
}
/** A change in the presence of a channel this connection joined. */
export interface PresenceFrame {
  type: 'presence'
  channel: string
  /** `join`: the user's first connection joined; `leave`: its last one left; `update`: its connections or data changed. */
  action: 'join' | 'leave' | 'update'
  member: PresenceMember
}
export interface PingFrame {
  type: 'ping'
}
/** An error not tied to a command id (malformed frame, oversized frame, …). */
export interface ErrorFrame {
  type: 'error'
  error: ErrorBody
}
/** Sent just before the server closes: what the client should do next (see close-code ranges). */
export interface DisconnectFrame {
  type: 'disconnect'
  code: number
  reason: string
  retryAfterMs?: number
}

/** The server ended a subscription on its own; the client resubscribes with backoff (or stops on `FORBIDDEN`). */
export interface UnsubscribedFrame {
  type: 'unsubscribed'
  channel: string
  error: ErrorBody
}

export type ServerFrame = ReplyFrame | MessageFrame | PresenceFrame | PingFrame | ErrorFrame | DisconnectFrame | UnsubscribedFrame

/** One long-polling answer: the frames after the poll's `ack`, numbered per session from 1. */
export interface PollBatch {
  /** Sequence number of the last frame in `frames` (the poll's `ack` when there are none). */
  seq: number
  frames: ServerFrame[]
}

/** The one frame a client sends without an id: its answer to a server ping over WebSocket. */
export interface PongFrame {
  type: 'pong'
}
export type ClientFrame = Command | PongFrame
