import { jwtVerify, SignJWT } from 'jose'
import type { Claims } from './auth'
import { hmacKey } from './hmacKey'
import { randomId } from './randomId'

/** What an SSE ticket carries from `POST /sse/ticket` to `GET /sse`. */
export interface TicketGrant {
  claims: Claims
  /** The id of the client's `connect` command, answered as the stream's first frame. */
  connectId: number
  /** Single-use nonce. */
  nonce: string
}

/**
 * SSE tickets are short-lived signed blobs rather than server-side records, so that any replica can
 * redeem a ticket minted by another (no sticky sessions). Single use is enforced by the broker.
 * They never carry the user's token, only its claims.
 */
export function ticketSigner(secret: string, ttlMs: number) {
  const key = hmacKey(secret)
  return {
    ttlMs,
    issue(claims: Claims, connectId: number): Promise<string> {
      return new SignJWT({ c: claims, i: connectId })
        .setProtectedHeader({ alg: 'HS256' })
        .setJti(randomId('', 12))
        .setExpirationTime(new Date(Date.now() + ttlMs))
        .sign(key)
    },
    /** The grant, or `undefined` when the ticket is forged, malformed or expired. */
    async redeem(ticket: string): Promise<TicketGrant | undefined> {
      try {
        const { payload } = await jwtVerify(ticket, key, { algorithms: ['HS256'] })
        const claims = payload.c as Claims | undefined
        if (!claims || typeof claims.sub !== 'string' || typeof payload.i !== 'number' || typeof payload.jti !== 'string') return undefined
        return { claims, connectId: payload.i, nonce: payload.jti }
      } catch {
        return undefined
      }
    },
  }
}

export type TicketSigner = ReturnType<typeof ticketSigner>
