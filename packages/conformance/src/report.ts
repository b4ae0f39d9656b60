import type { TransportName } from '@lifeline/protocol'
import type { Limits } from './config'
import type { Level } from './conformanceCase'

export type CaseStatus = 'passed' | 'failed' | 'not-applicable'

/** The outcome of one case on one transport. */
export interface CaseResult {
  /** `core/handshake [websocket]`: level, case name and, for cases run per transport, the transport. */
  id: string
  level: Level
  name: string
  transport?: TransportName
  /** What the case checks. */
  title: string
  status: CaseStatus
  /** Why it failed, or why it is not applicable. */
  reason?: string
  /** On a failure: what the protocol requires there. */
  expected?: string
  /** On a failure: the frame or HTTP answer that broke it (or the last frames received). */
  received?: unknown
  /** Remarks on a pass (which of two allowed answers the server gave). */
  notes?: string[]
  durationMs: number
}

/** What `runConformance` returns and `--json` writes. */
export interface ConformanceReport {
  kit: { name: '@lifeline/conformance'; version: string }
  /** The protocol version the cases check. */
  protocol: number
  url: string
  url2?: string
  levels: Level[]
  transports: TransportName[]
  /** The server limits the cases assumed (config `limits` with defaults). */
  limits: Limits
  startedAt: string
  durationMs: number
  summary: { total: number; passed: number; failed: number; notApplicable: number }
  /** `true` when no case failed. */
  ok: boolean
  results: CaseResult[]
}
