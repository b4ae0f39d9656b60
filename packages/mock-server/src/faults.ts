/**
 * Fault injection switches of the mock server, for tests and the fallback lab. All off by default.
 * The Node server and the MSW handlers read the same switches in the same places.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md#fault-injection
 */
export interface Faults {
  /** Answer WebSocket upgrades with 503, like a proxy that blocks WebSocket. */
  refuseWebSocket: boolean
  /** Complete WebSocket upgrades, then pass nothing either way (a proxy that swallows frames). */
  silenceWebSocket: boolean
  /**
   * Hold every frame the server sends on a WebSocket back this many milliseconds, in order
   * (changing it never reorders), like a slow network: a handshake that completes late.
   */
  webSocketDelayMs: number
  /** Hold every SSE write back this many milliseconds, in order (changing it never reorders). */
  sseDelayMs: number
  /**
   * Hold every byte of a new SSE stream until the stream ends, like a buffering proxy: the headers
   * go out at once, then nothing, not even the connect reply, until the server ends the stream.
   * Read when a stream opens.
   */
  bufferSse: boolean
  /** Refuse new SSE streams with 503 (cut the open ones with `disconnectAll()`). */
  dropSse: boolean
  /**
   * Refuse long-polling with 503 `UNAVAILABLE`: `POST /poll/connect` and every `POST /poll`. Open
   * sessions that are not polled for `heartbeatMs + pollMs` end.
   */
  dropPoll: boolean
}

export const NO_FAULTS: Faults = { refuseWebSocket: false, silenceWebSocket: false, webSocketDelayMs: 0, sseDelayMs: 0, bufferSse: false, dropSse: false, dropPoll: false }
