import type { ReconnectDelay } from './backoff'
import { globalTimers, type Timers } from './timers'
import type { GetToken } from './tokenManager'
import type { NetworkDeps, TransportName } from './transports/transport'

/** Where the client remembers that WebSocket is blocked for an origin (a `localStorage` subset). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * Options of {@link RealtimeClient}. Only `url` is required.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#options
 */
export interface RealtimeClientOptions extends NetworkDeps {
  /** The server's base URL, `http(s)://…` (WebSocket uses the same host on `/ws`). */
  url: string
  /** Returns a token for the server; throw {@link UnauthorizedError} when the user is signed out. */
  getToken?: GetToken | undefined
  /**
   * Transports in order of preference.
   * @default ['websocket', 'sse']
   */
  transports?: TransportName[]
  /**
   * How long one transport may take to complete the handshake before the next one is tried; also
   * how long a `getToken` call, and the ping that checks the connection after a wake or a return to
   * the page, may take.
   * @default 5000
   */
  connectTimeoutMs?: number
  /**
   * Backoff between reconnect attempts: full jitter over `[minMs, maxMs]`, or your own function.
   * @default { minMs: 500, maxMs: 30_000 }
   */
  reconnectDelay?: ReconnectDelay
  /**
   * Give up (status `disconnected`, error `MAX_ATTEMPTS`) once this many reconnect attempts in a
   * row have failed.
   * @default Infinity
   */
  maxReconnectAttempts?: number
  /**
   * A connection must stay up this long before the attempt counter resets; a WebSocket that dies
   * sooner counts as flapping.
   * @default 5000
   */
  minUptimeMs?: number
  /**
   * After this many flapping WebSocket connections in a row, the client falls back to SSE.
   * @default 3
   */
  maxFlaps?: number
  /**
   * Silence tolerated beyond the server's heartbeat interval before the connection counts as dead.
   * @default 10_000
   */
  heartbeatGraceMs?: number
  /**
   * How long a channel keeps its server subscription after its last `subscribe()` ended.
   * @default 1000
   */
  releaseGraceMs?: number
  /**
   * Most publishes waiting for the server at once; more reject with `QUEUE_FULL`.
   * @default 100
   */
  queueSize?: number
  /**
   * A publish not acknowledged by then rejects with `QUEUE_EXPIRED`.
   * @default 30_000
   */
  queueTtlMs?: number
  /**
   * A publish whose frame would exceed this many bytes (UTF-8 JSON) rejects with `FRAME_TOO_LARGE`
   * at once and is never sent; keep it at the server's `maxFrameBytes`.
   * @default 65_536
   */
  maxFrameBytes?: number
  /**
   * While on SSE, WebSocket is probed again after a jittered delay that doubles up to `maxMs`.
   * @default { minMs: 5000, maxMs: 300_000 }
   */
  upgradeDelay?: { minMs?: number; maxMs?: number }
  /**
   * How long a WebSocket found blocked for an origin is skipped on later page loads.
   * @default 3_600_000
   */
  blockedTtlMs?: number
  /**
   * Where the blocked-WebSocket memory lives; `null` keeps it in memory only.
   * @default globalThis.localStorage when available
   */
  storage?: KeyValueStorage | null
  /** @default globalThis.setTimeout / clearTimeout, looked up at call time */
  timers?: Timers
  /** @default Math.random */
  random?: () => number
  /** @default Date.now */
  now?: () => number
  /**
   * Listen to `online`/`offline`, `visibilitychange` and `pagehide`/`pageshow` here.
   * @default globalThis when it has addEventListener (browsers, workers), else none
   */
  lifecycleTarget?: EventTarget | null
  /** Receives a line per notable event (state changes, frames, retries). @default undefined */
  logger?: ((message: string, detail?: unknown) => void) | undefined
}

const TRANSPORTS: TransportName[] = ['websocket', 'sse']

export const DEFAULT_OPTIONS = {
  transports: TRANSPORTS,
  connectTimeoutMs: 5000,
  reconnectDelay: {} as ReconnectDelay,
  maxReconnectAttempts: Infinity,
  minUptimeMs: 5000,
  maxFlaps: 3,
  heartbeatGraceMs: 10_000,
  releaseGraceMs: 1000,
  queueSize: 100,
  queueTtlMs: 30_000,
  maxFrameBytes: 65_536,
  upgradeDelay: { minMs: 5000, maxMs: 300_000 },
  blockedTtlMs: 3_600_000,
}

export type ResolvedOptions = typeof DEFAULT_OPTIONS & RealtimeClientOptions & Required<NetworkDeps> & Required<Pick<RealtimeClientOptions, 'timers' | 'random' | 'now'>>

/** Merges defaults once and throws `TypeError` for anything that cannot work. */
export function resolveOptions(options: RealtimeClientOptions): ResolvedOptions {
  const fail = (name: string): never => {
    throw new TypeError(`RealtimeClient: invalid option "${name}"`)
  }
  if (!options || !/^https?:\/\/[^/]/.test(options.url)) fail('url')
  const resolved = { ...DEFAULT_OPTIONS, WebSocket: globalThis.WebSocket, EventSource: globalThis.EventSource, fetch: globalThis.fetch?.bind(globalThis), ...options } as ResolvedOptions
  resolved.url = resolved.url.replace(/\/+$/, '')
  for (const [name, value] of Object.entries(DEFAULT_OPTIONS)) {
    const given = resolved[name as 'queueSize']
    if (typeof value === 'number' && !(typeof given === 'number' && given >= 0)) fail(name)
  }
  const { transports } = resolved
  if (!Array.isArray(transports) || !transports.length || transports.some((name) => !TRANSPORTS.includes(name))) fail('transports')
  // Node has no EventSource (and before 22 no WebSocket): pass them from the "ws" and "eventsource" packages.
  const needed = { WebSocket: transports.includes('websocket'), EventSource: transports.includes('sse'), fetch: transports.includes('sse'), getToken: resolved.getToken !== undefined }
  for (const [name, wanted] of Object.entries(needed)) if (wanted && typeof resolved[name as 'fetch'] !== 'function') fail(name)
  resolved.timers ??= globalTimers
  resolved.random ??= Math.random
  resolved.now ??= Date.now
  return resolved
}
