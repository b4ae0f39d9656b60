import { createHmac, randomBytes } from 'node:crypto'

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

/** An HS256 JWT of `payload` signed with `secret` (its UTF-8 bytes, as JWT libraries take a string secret). */
export function signHs256(payload: Record<string, unknown>, secret: string | Buffer): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`
}

/** The payload of a JWT, or `undefined` when `token` is not one (an opaque token). */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** `token` with a signature nobody's key made: a JWT re-signed with a random key, an opaque token altered. */
export function forgeToken(token: string): string {
  const payload = jwtPayload(token)
  if (payload) return signHs256(payload, randomBytes(32))
  return `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
}

/** The same claims with `"alg": "none"` and no signature, a classic JWT forgery; `undefined` for opaque tokens. */
export function unsignedToken(token: string): string | undefined {
  const payload = jwtPayload(token)
  if (!payload) return undefined
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}.`
}
