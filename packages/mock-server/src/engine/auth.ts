import { errors, jwtVerify, SignJWT } from 'jose'
import type { ErrorBody } from '@lifeline/protocol'
import { hmacKey } from './hmacKey'

/** What the engine knows about an authenticated user. */
export interface Claims {
  sub: string
  roles: string[]
  /** Expiry in seconds since the epoch, as in JWT `exp`. */
  exp?: number
  [claim: string]: unknown
}

/** Turns a token into claims, or throws an {@link AuthError}. Plug in your own for other schemes. */
export type TokenVerifier = (token: string) => Promise<Claims>

/** A token the server will not accept, with the protocol's code for why. */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  constructor(
    readonly code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED',
    message: string,
  ) {
    super(message)
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message }
  }
}

/**
 * Verifies HS256 JWTs with `jose` (which also refuses `alg: none` and algorithm swaps). Requires a
 * string `sub`; roles come from `roles` (array) or `role` (string).
 */
export function jwtVerifier(secret: string): TokenVerifier {
  const key = hmacKey(secret)
  return async (token) => {
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'] }))
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AuthError('TOKEN_EXPIRED', 'Token has expired')
      throw new AuthError('UNAUTHORIZED', 'Token is invalid')
    }
    return toClaims(payload)
  }
}

const isString = (value: unknown): value is string => typeof value === 'string'

function toClaims(payload: Record<string, unknown>): Claims {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthError('UNAUTHORIZED', 'Token has no "sub" claim')
  // The token's own array when it holds only strings: `filter` grows its result like `push`, with
  // room for 16 more, and a session keeps its claims as long as it lives.
  const roles = Array.isArray(payload.roles)
    ? payload.roles.every(isString)
      ? (payload.roles as string[])
      : payload.roles.filter(isString)
    : typeof payload.role === 'string'
      ? [payload.role]
      : []
  return { ...payload, sub: payload.sub, roles }
}

export interface DevTokenOptions {
  secret: string
  sub: string
  roles?: string[]
  /**
   * Lifetime in seconds.
   * @default 3600
   */
  expiresInSeconds?: number
  /** Clock for `iat`/`exp`, in milliseconds. @default Date.now() */
  now?: number
}

/** Mints an HS256 token for development and tests (the CLI's `token` subcommand uses it). */
export function signToken({ secret, sub, roles = [], expiresInSeconds = 3600, now = Date.now() }: DevTokenOptions): Promise<string> {
  const issuedAt = Math.floor(now / 1000)
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresInSeconds)
    .sign(hmacKey(secret))
}

/** Reads `Authorization: Bearer <token>`. */
export function bearerToken(header: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return match?.[1]
}

/** The claims of `Authorization: Bearer <token>`, or the {@link AuthError} refusing it; any other failure is a bug, rethrown. */
export async function authenticate(verify: TokenVerifier, authorization: string | null | undefined): Promise<Claims | AuthError> {
  const token = bearerToken(authorization)
  if (!token) return new AuthError('UNAUTHORIZED', 'Authorization: Bearer <token> is required')
  try {
    return await verify(token)
  } catch (error) {
    if (error instanceof AuthError) return error
    throw error
  }
}
