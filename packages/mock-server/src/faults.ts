/**
 * Fault injection switches of the mock server, for tests and the fallback lab. All off by default.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md#fault-injection
 */
export interface Faults {
  /** Answer WebSocket upgrades with 503, like a proxy that blocks WebSocket. */
  refuseWebSocket: boolean
  /** Complete WebSocket upgrades, then pass nothing either way (a proxy that swallows frames). */
  silenceWebSocket: boolean
  /** Hold every SSE write back this many milliseconds. */
  sseDelayMs: number
  /** Refuse new SSE streams with 503 (cut the open ones with `disconnectAll()`). */
  dropSse: boolean
}

export const NO_FAULTS: Faults = { refuseWebSocket: false, silenceWebSocket: false, sseDelayMs: 0, dropSse: false }
