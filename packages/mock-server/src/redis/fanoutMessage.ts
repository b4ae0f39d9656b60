import type { PresenceChange } from '../engine/broker'

/**
 * What travels on a fan-out pub/sub channel: a publication (built by the `publish.lua` script, with Redis'
 * time of acceptance `t`) or a presence change (built by the presence scripts).
 */
export type FanoutMessage = { e: string; o: number; t: number; m: StoredMessage } | { p: { a: PresenceChange['action']; v: number; m: PresenceChange['member'] } }

export interface StoredMessage {
  event: string
  data: unknown
  /** `meta.publisher`; absent in messages stored before it was kept. */
  publisher?: string | null
}

/** What a subscription is ended with when this replica's fan-out from Redis broke. */
export const FANOUT_LOST = { code: 'UNAVAILABLE', message: 'This server lost its connection to Redis; subscribe again from your position' } as const
