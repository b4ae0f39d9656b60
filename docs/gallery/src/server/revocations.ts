import { AuthError, type TokenVerifier } from '@lifeline/mock-server'

/** Users whose access the demo has revoked: their tokens are refused and no new ones are minted. */
export interface Revocations {
  revoke(sub: string): void
  restore(sub: string): void
  has(sub: string): boolean
  /** Wraps a verifier so that a still-valid token of a revoked user is refused too. */
  guard(verify: TokenVerifier): TokenVerifier
}

export function revocations(): Revocations {
  const revoked = new Set<string>()
  return {
    revoke: (sub) => void revoked.add(sub),
    restore: (sub) => void revoked.delete(sub),
    has: (sub) => revoked.has(sub),
    // sample: guard
    guard: (verify) => async (token) => {
      const claims = await verify(token)
      if (revoked.has(claims.sub)) throw new AuthError('UNAUTHORIZED', `Access of "${claims.sub}" was revoked`)
      return claims
    },
    // end sample
  }
}
