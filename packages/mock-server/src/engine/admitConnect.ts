import { parseCommand, PROTOCOL_VERSION, type ErrorBody } from '@lifeline/protocol'
import { authenticate, AuthError, type Claims, type TokenVerifier } from './auth'

/**
 * The checks of a handshake made over HTTP (`POST /sse/ticket`, `POST /poll/connect`): the body is
 * a `connect` command of this protocol version and `Authorization` carries a valid token. Returns
 * who connects and the id of the connect command (its reply goes out once the session opens), or
 * what is wrong.
 */
export async function admitConnect(verify: TokenVerifier, maxFrameBytes: number, authorization: string | null | undefined, body: string): Promise<{ claims: Claims; connectId: number } | { error: ErrorBody }> {
  const parsed = parseCommand(body, maxFrameBytes)
  if (!parsed.ok) return { error: parsed.error }
  const frame = parsed.frame
  if (frame.type !== 'connect') return { error: { code: 'BAD_REQUEST', message: 'The request body must be a connect command' } }
  if (frame.v !== PROTOCOL_VERSION) return { error: { code: 'UNSUPPORTED_VERSION', message: `This server speaks protocol ${PROTOCOL_VERSION}` } }
  const claims = await authenticate(verify, authorization)
  if (claims instanceof AuthError) return { error: claims.toBody() }
  return { claims, connectId: frame.id }
}
