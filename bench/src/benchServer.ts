/** The payload every server under test broadcasts: a sequence number and the publish time. */
export interface Tick {
  seq: number
  /** Publish time in monotonic microseconds (see `monotonicMicros`). */
  t: number
  /** Filler so the payload is a realistic size (about 100 bytes of JSON). */
  text: string
}

/** The `text` of every tick. */
export const TICK_FILLER = 'x'.repeat(64)

/** The channel (room, topic) every benchmark client listens to. */
export const BENCH_CHANNEL = 'leaderboard'
export const BENCH_EVENT = 'tick'
export const BENCH_JWT_SECRET = 'bench-secret'
/** Key of the servers' HTTP publish API (`POST /publish`, `Authorization: Bearer <key>`). */
export const BENCH_API_KEY = 'bench-api-key'

/** `ws-batched`: the raw loop with Lifeline's per-turn batching (see `startRawWsServer`). */
export type ServerKind = 'lifeline' | 'ws' | 'ws-batched' | 'socket.io'

export interface ServerStartOptions {
  kind: ServerKind
  /** Several replicas share this Redis (Lifeline's RedisBroker, socket.io's Redis adapter). */
  redisUrl?: string
}

/** A server under test, as the fan-out process drives it. */
export interface BenchServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Broadcasts one tick to every subscribed client; settles once the server has taken it. */
  publish(tick: Tick): Promise<unknown> | void
  close(): Promise<void>
}
