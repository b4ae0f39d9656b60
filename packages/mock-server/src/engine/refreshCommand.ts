import { AuthError, type Claims } from './auth'
import { fail, type Reply } from './reply'
import type { Session } from './session'
import { endDisallowed } from './subscription'

/**
 * The `refresh` command: a new token for the same user replaces the session's claims and its expiry.
 * The new token may carry fewer roles: a subscription it no longer allows ends here, told.
 */
export async function refreshCommand(session: Session, token: string): Promise<Reply> {
  let claims: Claims
  try {
    claims = await session.context.verify(token)
  } catch (error) {
    if (error instanceof AuthError) return { ok: false, error: error.toBody() }
    throw error
  }
  if (claims.sub !== session.claims?.sub) return fail('FORBIDDEN', 'A refresh token must belong to the same user')
  session.claims = claims
  const expiresInMs = session.scheduleExpiry(claims)
  endDisallowed(session, claims)
  return { ok: true, result: expiresInMs === undefined ? {} : { expiresInMs } }
}
