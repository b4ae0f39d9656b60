import type { ReconnectDelay } from './backoff'
import { guard } from './listen'
import { globalTimers, type Timers } from './timers'
import type { GetToken } from './tokenManager'
import { TRANSPORTS, type TransportName } from '@lifeline/protocol'
import type { NetworkDeps } from './transports/transport'
import type { Share } from './share'


// Whether to spend bytes on guidance for developers: only `process.env.NODE_ENV`, which bundlers
// replace with "production" in production builds (esbuild with `--minify`, webpack in production
// mode, Vite in builds), so the long messages behind it are dropped there; the checks stay.
// Written out at each use, not read from a constant: a bundler folds it as it parses, so what only
// the long messages use goes too (a constant is inlined only after tree shaking). The `typeof`
// guard keeps a page without a bundler (an import map, a CDN serving our files as they are: no
// `process`) from throwing at import; it then uses the short messages.
declare const process: { env: { NODE_ENV?: string } }

/** Where the client remembers which transports do not get through for an origin (a `localStorage` subset). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * Options of {@link RealtimeClient}. Only `url` is required.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#options
 */
export interface RealtimeClientOptions extends NetworkDeps {
  /**
   * The server's base URL: `https://rt.example.com`, `wss://rt.example.com` (the same server: SSE
   * goes over `https`), or a path such as `/realtime`, resolved against the page's location. WebSocket
   * connects to `<url>/ws`, SSE to `<url>/sse`.
   */
  url: string
  /** Returns a token for the server; throw {@link UnauthorizedError} when the user is signed out. */
  getToken?: GetToken | undefined
  /**
   * Transports in order of preference: the ladder each attempt climbs down.
   * @default ['websocket', 'sse', 'long-polling']
   */
  transports?: TransportName[]
  /**
   * How long one transport may take to complete the handshake (past it, the client reports why:
   * `WEBSOCKET_SILENT`, `SSE_BUFFERED`, `CONNECT_TIMEOUT`); also how long a `getToken` call, and the
   * ping that checks the connection after a wake or a return to the page, may take.
   * @default 5000
   */
  connectTimeoutMs?: number
  /**
   * A transport whose handshake has not completed after this long gets company: the next one
   * starts in parallel, and the first to complete wins (a better one that completes later takes over).
   * @default 1000
   */
  fallbackAfterMs?: number
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
   * A connection silent this long counts as dead. Once it has been quiet for most of it, the client
   * pings, so a link gone silent is found within this time whatever the server's heartbeat.
   * @default 10_000
   */
  livenessMs?: number
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
   * While not on the first transport, it is probed again: at once when nothing is remembered about
   * it, then after a jittered delay (between half and all of `minMs`) that doubles up to `maxMs`.
   * @default { minMs: 5000, maxMs: 25_000 }
   */
  upgradeDelay?: { minMs?: number; maxMs?: number }
  /**
   * How long a transport found blocked for an origin (WebSocket refused or silent, SSE buffered)
   * goes last on later page loads.
   * @default 3_600_000
   */
  blockedTtlMs?: number
  /**
   * Where the memory of blocked transports lives; `null` keeps it in memory only.
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
  /**
   * Share one connection among this browser's tabs of one user: `tabSharing({ key: userId })` from
   * `@lifeline/client/tabs`. Opt-in, because tabs may only share when the app says they are the
   * same identity.
   * @default undefined (each tab connects on its own)
   */
  share?: Share | undefined
}

export const DEFAULT_OPTIONS = {
  transports: [...TRANSPORTS] as TransportName[],
  connectTimeoutMs: 5000,
  fallbackAfterMs: 1000,
  reconnectDelay: { minMs: 500, maxMs: 30_000 } as ReconnectDelay,
  maxReconnectAttempts: Infinity,
  minUptimeMs: 5000,
  maxFlaps: 3,
  livenessMs: 10_000,
  releaseGraceMs: 1000,
  queueSize: 100,
  queueTtlMs: 30_000,
  maxFrameBytes: 65_536,
  upgradeDelay: { minMs: 5000, maxMs: 25_000 },
  blockedTtlMs: 3_600_000,
}

export type ResolvedOptions = typeof DEFAULT_OPTIONS &
  RealtimeClientOptions &
  Required<NetworkDeps> &
  Required<Pick<RealtimeClientOptions, 'timers' | 'random' | 'now'>> & { upgradeDelay: typeof DEFAULT_OPTIONS.upgradeDelay }

/**
 * Merges defaults once and throws `TypeError` for anything that cannot work, saying what is wrong
 * and what to do about it.
 */
export function resolveOptions(options: RealtimeClientOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `needs options { url, getToken }, ${EXAMPLE}` : 'options')
  const resolved = { ...DEFAULT_OPTIONS, WebSocket: globalThis.WebSocket, EventSource: globalThis.EventSource, fetch: globalThis.fetch?.bind(globalThis), ...options } as ResolvedOptions
  resolved.url = baseUrl(options.url)
  resolved.upgradeDelay = bounds('upgradeDelay', DEFAULT_OPTIONS.upgradeDelay, options.upgradeDelay)
  if (typeof resolved.reconnectDelay === 'object') resolved.reconnectDelay = bounds('reconnectDelay', DEFAULT_OPTIONS.reconnectDelay as Record<string, number>, resolved.reconnectDelay as Record<string, number>)
  for (const [name, value] of Object.entries(DEFAULT_OPTIONS)) if (typeof value === 'number') checkNumber(name, resolved[name as 'queueSize'])
  const { transports } = resolved
  if (!Array.isArray(transports) || !transports.length || transports.some((name) => !TRANSPORTS.includes(name))) {
    fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `option "transports" must be a non-empty list of ${TRANSPORTS.map(show).join(', ')}, got ${show(transports)}` : 'transports')
  }
  // The functions this client will call (Node: pass them from the "ws" and "eventsource" packages).
  const needed = {
    WebSocket: transports.includes('websocket'),
    EventSource: transports.includes('sse'),
    fetch: transports.some((name) => name !== 'websocket'),
    getToken: resolved.getToken !== undefined,
  }
  for (const [name, used] of Object.entries(needed)) {
    if (used && typeof resolved[name as keyof typeof needed] !== 'function') fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? notAFunction(name as keyof typeof needed, options) : name)
  }
  // The logger is app code that runs inside the client's frame handling: guarded like a listener.
  if (resolved.logger) resolved.logger = guard(resolved.logger)
  resolved.timers ??= globalTimers
  resolved.random ??= Math.random
  resolved.now ??= Date.now
  return resolved
}

/** Bounds given in part take the rest from the defaults (one given as `undefined` counts as not given); each a number >= 0. */
function bounds<T extends Record<string, number>>(name: string, defaults: T, given: Partial<T> | undefined): T {
  const merged = { ...defaults }
  for (const key in merged) checkNumber(`${name}.${key}`, (merged[key] = given?.[key] ?? merged[key]))
  return merged
}

/** Throws unless the option `name` is a number >= 0 (not NaN). */
function checkNumber(name: string, value: unknown): void {
  if (!(typeof value === 'number' && value >= 0)) fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `option "${name}" must be a number >= 0, got ${show(value)}` : name)
}

/** What is wrong with the function option `name`, and how to fix it, for the development message. */
function notAFunction(name: 'getToken' | keyof typeof REMEDIES, options: RealtimeClientOptions): string {
  if (name === 'getToken') return `option "getToken" must be a function, got ${show(options.getToken)}`
  return `${name} ${options[name] === undefined ? 'is not defined in this environment' : 'must be a function'}: ${REMEDIES[name]}`
}

/** How to fix a missing constructor, for the development message. */
const REMEDIES = {
  WebSocket: 'pass `WebSocket` from the ws package, or leave "websocket" out of `transports`',
  EventSource: 'pass `EventSource` from the eventsource package, or leave "sse" out of `transports`',
  fetch: 'pass `fetch` (SSE and long-polling send with it), or use transports: ["websocket"]',
}

/** Throws the misconfiguration: the development message, or in production `invalid <option>`. */
function fail(message: string): never {
  throw new TypeError(`RealtimeClient: ${(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? message : `invalid ${message}`}`)
}

const show = (value: unknown) => (typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value))

const SCHEMES: Record<string, string> = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' }
const EXAMPLE = "e.g. 'https://rt.example.com' or '/realtime'"

/**
 * The server's base as `http(s)://host[/path]` without a trailing slash: the transports add `/ws`
 * (as `ws(s):`), `/sse` and `/sse/send` to it. A path is resolved against the page's location.
 */
function baseUrl(url: unknown): string {
  if (typeof url !== 'string' || !url) fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `option "url" is required, ${EXAMPLE}` : 'url')
  const page = (globalThis as { location?: { href?: string } }).location?.href
  const path = /^\/(?!\/)/.test(url)
  if (path && !page) fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `url '${url}' is a path, and there is no page to resolve it against: pass an absolute URL` : 'url')
  let parsed: URL
  try {
    parsed = new URL(url, path ? page : undefined)
  } catch {
    fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `url '${url}' is not a URL, ${EXAMPLE}` : 'url')
  }
  const scheme = SCHEMES[parsed.protocol]
  if (!scheme) fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `url '${url}' must start with https://, http://, wss://, ws:// or /` : 'url')
  if (parsed.search || parsed.hash) fail((typeof process !== 'undefined' && process.env.NODE_ENV !== 'production') ? `url '${url}' must not have a query or fragment` : 'url')
  return `${scheme}//${parsed.host}${parsed.pathname}`.replace(/\/+$/, '')
}
