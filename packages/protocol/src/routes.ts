/**
 * The HTTP surface of protocol v1: every path a server answers, with its methods. Servers route by
 * this table, clients build URLs from it, and the conformance kit checks it.
 */
export const ROUTES = {
  /** WebSocket transport (upgrade). */
  webSocket: { path: '/ws', methods: ['GET'] },
  /** Exchange `Authorization: Bearer` for a single-use SSE ticket. */
  sseTicket: { path: '/sse/ticket', methods: ['POST'] },
  /** SSE transport: the server→client stream, opened with a ticket. */
  sse: { path: '/sse', methods: ['GET'] },
  /** Upstream commands for SSE and long-polling sessions. */
  send: { path: '/sse/send', methods: ['POST'] },
  /** Long-polling: open a session (the answer carries the connect reply). */
  pollConnect: { path: '/poll/connect', methods: ['POST'] },
  /** Long-polling: fetch the next batch of frames. */
  poll: { path: '/poll', methods: ['POST'] },
  /** Server-side publish with the API key. */
  publish: { path: '/publish', methods: ['POST'] },
  /** Health: 200 ok or 503 degraded. */
  health: { path: '/healthz', methods: ['GET'] },
  /** Prometheus text metrics. */
  metrics: { path: '/metrics', methods: ['GET'] },
} as const

export type RouteName = keyof typeof ROUTES

/** The header that names the session on upstream POSTs and polls. */
export const SESSION_HEADER = 'lifeline-session'

/** The transports of protocol v1, in the order a client tries them. */
export const TRANSPORTS = ['websocket', 'sse', 'long-polling'] as const
export type TransportName = (typeof TRANSPORTS)[number]
