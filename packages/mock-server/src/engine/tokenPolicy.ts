import { AuthError, type TokenVerifier } from './auth'
import type { Clock } from './clock'

/** What the engine demands of every token, whichever verifier read it; see `EngineOptions`. */
export interface TokenPolicy {
  requireExpiry: boolean
  maxLifetimeMs: number
}

export const DEFAULT_TOKEN_POLICY: TokenPolicy = { requireExpiry: true, maxLifetimeMs: 86_400_000 }

/**
 * `verify`, then the engine's own checks: a token names its subject (`sub`) and roles, and must
 * expire (`exp`), within `maxLifetimeMs` from now. A token that never expires stays valid if it
 * leaks; a custom verifier that forgets to ask for `exp` or `sub` gets the same checks as the
 * built-in one. Time is the engine's clock, the one that also ends sessions when their token expires.
 */
export function withTokenPolicy(verify: TokenVerifier, policy: TokenPolicy, clock: Clock): TokenVerifier {
  return async (token) => {
    const claims = await verify(token)
    // The subject owns sessions: without one, every token lacking it would own every such session.
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new AuthError('UNAUTHORIZED', 'Token has no "sub" claim (a non-empty string)')
    if (!Array.isArray(claims.roles)) throw new AuthError('UNAUTHORIZED', 'Token claims need "roles", an array (the channel rules read it)')
    if (claims.exp === undefined) {
      if (policy.requireExpiry) throw new AuthError('UNAUTHORIZED', 'Token has no "exp"; this server accepts only tokens that expire')
      return claims
    }
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw new AuthError('UNAUTHORIZED', 'Token "exp" must be a number of seconds')
    const remainingMs = claims.exp * 1000 - clock.now()
    if (remainingMs <= 0) throw new AuthError('TOKEN_EXPIRED', 'Token has expired')
    if (remainingMs > policy.maxLifetimeMs) throw new AuthError('UNAUTHORIZED', `Token expires more than ${policy.maxLifetimeMs} ms from now; this server allows at most that`)
    return claims
  }
}
