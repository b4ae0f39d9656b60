import type { TransportName } from '@lifeline/protocol'
import type { CaseContext } from './caseContext'

/** The levels of the suite, in the order they run. A partial implementation runs the levels it supports. */
export const LEVELS = ['core', 'recovery', 'presence', 'limits', 'multi-replica'] as const
export type Level = (typeof LEVELS)[number]

/** One case of the suite: a small named check of one protocol rule. */
export interface ConformanceCase {
  /** Kebab-case, unique: `handshake`, `recover-within-history`. */
  name: string
  level: Level
  /** What the server must do, as one sentence. */
  title: string
  /** Runs once per listed transport that is selected; without it, once (over the first selected transport where it needs one). */
  transports?: readonly TransportName[]
  run(ctx: CaseContext): Promise<void>
}

/** Every transport of protocol v1. */
export const EVERY_TRANSPORT = ['websocket', 'sse', 'long-polling'] as const satisfies readonly TransportName[]
/** The transports whose commands go by upstream POST. */
export const HTTP_TRANSPORTS = ['sse', 'long-polling'] as const satisfies readonly TransportName[]
