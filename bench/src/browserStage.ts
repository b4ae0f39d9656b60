import type { FaultProxy, MockServer } from '@lifeline/mock-server'
import type { Engine } from '@lifeline/testkit'
import type { Profile } from './profile'
import type { ProxyMode } from './proxyModes'

/** What one engine measured. */
export interface EngineResult {
  engine: Engine
  version?: string
  firstMessage: { mode: ProxyMode; times: number[]; transports: Set<string> }[]
  /** Silent link: when the client noticed, and when messages came again (ms after it went silent). */
  detected: number[]
  recovered: number[]
  /** Proxy fixed: when the client was back on WebSocket (ms after the fix). */
  backOnWebSocket: number[]
  /** Server sessions for N tabs, each tab on its own and with tab sharing. */
  tabs?: { tabs: number; connections: number; shared: number }
  error?: string
}

/** What every case of the browser suite runs against, and how many times. */
export interface BrowserStage {
  server: MockServer
  proxy: FaultProxy
  docs: string
  runs: number
  slowRuns: Profile['browserSlowRuns']
  tabs: number
  /** Client options for the page (the smoke run shortens the timers); empty: the defaults. */
  options: Record<string, unknown>
  log(line: string): void
}
