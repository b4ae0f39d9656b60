import { jwtVerify, SignJWT } from 'jose'
import type { Claims } from './auth'
import type { Broker } from './broker'
import type { Clock } from './clock'
import { hmacKey } from './hmacKey'
import { randomId } from './randomId'

/** What an SSE ticket stands for, from `POST /sse/ticket` to `GET /sse`. */
export interface TicketGrant {
  claims: Claims
  /** The id of the client's `connect` command, answered as the stream's first frame. */
  connectId: number
}

export interface TicketBookOptions {
  /** Signs the references; replicas behind one load balancer share it. */
  secret: string
  ttlMs: number
  /** Keeps the grants, so that any replica can redeem a ticket another one issued. */
  broker: Broker
  clock: Clock
}

/**
 * SSE tickets are opaque: a signed reference (a random id and an expiry, nothing else) to a grant
 * the broker keeps. The ticket travels in a URL, and so into access logs: it must not carry the
 * user's claims (email, tenant) there. The signature turns away forged and made-up tickets
 * without a broker round trip; the broker makes each one single-use on every replica.
 */
export function ticketBook({ secret, ttlMs, broker, clock }: TicketBookOptions) {
  const key = hmacKey(secret)
  const recordOf = (id: string) => `ticket:${id}`
  return {
    ttlMs,
    /** Rejects with the broker's `RefusedError` when it cannot keep the grant now. */
    async issue(grant: TicketGrant): Promise<string> {
      const id = randomId('', 16)
      await broker.keep(recordOf(id), JSON.stringify(grant), ttlMs)
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setJti(id)
        .setExpirationTime(Math.ceil((clock.now() + ttlMs) / 1000))
        .sign(key)
    },
    /**
     * The grant, or `undefined` when the ticket is forged, malformed, expired or was used. Rejects
     * with the broker's `RefusedError` when it cannot tell now.
     */
    async redeem(ticket: string): Promise<TicketGrant | undefined> {
      let id: unknown
      try {
        ;({ payload: { jti: id } } = await jwtVerify(ticket, key, { algorithms: ['HS256'] }))
      } catch {
        return undefined
      }
      if (typeof id !== 'string' || !(await broker.claimOnce(recordOf(id), ttlMs))) return undefined
      const kept = await broker.take(recordOf(id))
      return kept === undefined ? undefined : (JSON.parse(kept) as TicketGrant)
    },
  }
}

export type TicketBook = ReturnType<typeof ticketBook>
