/**
 * Deliberately broken servers: the real mock server with one rule of the protocol broken, by
 * wrapping the outlets its engine sends frames through (or its token check).
 */
import { createHmac } from 'node:crypto'
import { AuthError, createServer, type Claims, type MockServer } from '@lifeline/mock-server'
import type { Outlet } from '@lifeline/mock-server/engine'
import type { ServerFrame } from '@lifeline/protocol'
import { SECRET, serverOptions } from '../../src/__tests__/support/testConfig'

/** Turns each outlet the engine opens (every transport) into a tampered one. */
export type Tamper = (outlet: Outlet) => Outlet

/** A mock server whose every connection goes through `tamper`; its token check may be replaced too. */
export async function brokenServer({ tamper, verifyToken }: { tamper?: Tamper; verifyToken?: (token: string) => Promise<Claims> }): Promise<MockServer> {
  const server = await createServer({ port: 0, ...serverOptions(), ...(verifyToken ? { verifyToken } : {}) })
  if (tamper) {
    const engine = server.engine
    const accept = engine.acceptWebSocket.bind(engine)
    const open = engine.openEventStream.bind(engine)
    engine.acceptWebSocket = (outlet, ...rest) => accept(tamper(outlet), ...rest)
    engine.openEventStream = (grant, outlet, ...rest) => open(grant, tamper(outlet), ...rest)
  }
  return server
}

/** An outlet that passes every frame through `rewrite`, which sends what it wants in its place. */
const rewriting = (rewrite: (frame: ServerFrame, text: string, send: (text: string, frame: ServerFrame) => void) => void): Tamper => (outlet) => ({
  ...outlet,
  transport: outlet.transport,
  bufferedBytes: () => outlet.bufferedBytes(),
  close: (code, reason) => outlet.close(code, reason),
  send: (text, frame) => rewrite(frame, text, (out, outFrame) => outlet.send(out, outFrame)),
  ...(outlet.keepalive ? { keepalive: () => outlet.keepalive!() } : {}),
})

/** Answers every command twice. */
export const repliesTwice = rewriting((frame, text, send) => {
  send(text, frame)
  if (frame.type === 'reply') send(text, frame)
})

/** Delivers every channel message twice. */
export const deliversTwice = rewriting((frame, text, send) => {
  send(text, frame)
  if (frame.type === 'message') send(text, frame)
})

/** Never sends a heartbeat: no ping frames, no SSE comment lines. */
export const neverPings: Tamper = (outlet) => {
  const tampered = rewriting((frame, text, send) => {
    if (frame.type !== 'ping') send(text, frame)
  })(outlet)
  delete tampered.keepalive
  return tampered
}

/**
 * Answers a recovering subscribe with the channel's latest position (the last replayed message)
 * instead of the cursor (`since`): the reply is held until the replay that follows it in the
 * same turn has been seen.
 */
export const latestInsteadOfCursor: Tamper = (outlet) => {
  let held: { frame: ServerFrame; text: string }[] | undefined
  return rewriting((frame, text, send) => {
    const recovering = frame.type === 'reply' && frame.ok && (frame.result as { recovered?: boolean }).recovered === true && 'position' in frame.result
    if (!held && !recovering) return send(text, frame)
    if (held) return void held.push({ frame, text })
    held = [{ frame, text }]
    setImmediate(() => {
      const [reply, ...rest] = held!
      held = undefined
      const last = rest.filter((item) => item.frame.type === 'message').at(-1)?.frame
      const result = (reply!.frame as { result: Record<string, unknown> }).result
      const changed = { ...reply!.frame, result: { ...result, position: last?.type === 'message' ? last.pos : result.position } } as ServerFrame
      send(JSON.stringify(changed), changed)
      for (const item of rest) send(item.text, item.frame)
    })
  })(outlet)
}

/** Checks HS256 signatures but never expiry: an expired token is taken. */
export async function ignoringExpiry(token: string): Promise<Claims> {
  const [header, payload, signature] = token.split('.')
  const expected = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')
  if (!payload || signature !== expected) throw new AuthError('UNAUTHORIZED', 'Token is invalid')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims
  return { ...claims, roles: [], exp: Math.floor(Date.now() / 1000) + 3600 }
}
