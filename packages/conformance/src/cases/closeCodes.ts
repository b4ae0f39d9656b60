import { CloseCode } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { okResult } from '../expectations'
import { CaseFailure, check, NotApplicable } from '../failure'
import { expectServerClose, stillServes, subscribe, within } from '../steps'
import { sized } from './limits'

export const floodClose: ConformanceCase = {
  name: 'flood-close',
  level: 'limits',
  title: 'a flood of limits.floodFrames rate-limited frames ends with disconnect 4002 RATE_LIMITED and close 4002',
  transports: ['websocket'],
  async run(ctx) {
    const { rateLimitBurst, floodFrames } = ctx.config.limits
    const connection = await ctx.openWebSocket('a')
    okResult(await connection.handshake(ctx.tokens.of('a')), `${connection.label}: connect`)
    const send = async () => {
      const id = connection.nextId()
      await connection.sendRaw(JSON.stringify({ id, type: 'ping' }), { id, type: 'ping' })
      return id
    }
    // Most of the flood at once, just short of what closes the connection, all answered: the server
    // has read every frame. Then one frame at a time until it disconnects, so none is left unread
    // when it closes. (A socket closed with unread input sends a TCP reset, which can discard the
    // close frame and the disconnect advice on their way: the client would see 1006 from any server.)
    const opening = rateLimitBurst + floodFrames - 20
    const ids = []
    for (let index = 0; index < opening; index++) ids.push(await send())
    await Promise.all(ids.map((id) => connection.log.reply(id)))
    const count = opening + rateLimitBurst + 100
    for (let sent = opening; sent < count && !connection.log.ended && !connection.log.lastDisconnect() && connection.isOpen; sent++) {
      try {
        await connection.log.reply(await send())
      } catch {
        break // the connection ended: the server had enough
      }
    }
    await expectServerClose(connection, CloseCode.RATE_LIMITED, `a flood of pings (limits.floodFrames ${floodFrames})`, ctx.waitMs + ctx.config.timeouts.graceMs)
  },
}

export const connectTimeout: ConformanceCase = {
  name: 'connect-timeout',
  level: 'limits',
  title: 'a WebSocket that sends no connect within limits.connectTimeoutMs is closed with 4003 CONNECT_TIMEOUT',
  transports: ['websocket'],
  async run(ctx) {
    const waitMs = ctx.config.limits.connectTimeoutMs + ctx.config.timeouts.graceMs
    ctx.allow(waitMs)
    const socket = await ctx.openWebSocket('a')
    await expectServerClose(socket, CloseCode.CONNECT_TIMEOUT, `a WebSocket silent after the upgrade (limits.connectTimeoutMs ${ctx.config.limits.connectTimeoutMs})`, waitMs)
  },
}

export const tokenExpiry: ConformanceCase = {
  name: 'token-expiry',
  level: 'limits',
  title: 'when the token expires on a live connection the server sends disconnect 4200 TOKEN_EXPIRED and ends the connection',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    if (!ctx.tokens.signs('a')) throw new NotApplicable('needs config.users.a.secret to sign a token that expires in seconds')
    const token = await ctx.tokens.fresh('a', 3)
    const connection = await ctx.connect('a', { token })
    const expiresInMs = connection.connectResult.expiresInMs
    check(typeof expiresInMs === 'number' && expiresInMs <= 3000, `${connection.label}: a token that expires within 3 s gives expiresInMs of at most 3000`, { expected: 'expiresInMs <= 3000', received: connection.log.frames[0] })
    await subscribe(connection, ctx.channel('both'))
    const waitMs = expiresInMs + ctx.config.timeouts.graceMs
    ctx.allow(waitMs)
    await expectServerClose(connection, CloseCode.TOKEN_EXPIRED, `${connection.label}: its token expired`, waitMs)
  },
}

export const oversizedWebSocketMessage: ConformanceCase = {
  name: 'oversized-message',
  level: 'limits',
  title: 'a WebSocket message over 4 x limits.maxFrameBytes is closed with 1009 (or refused with FRAME_TOO_LARGE, the connection kept); the server keeps serving',
  transports: ['websocket'],
  async run(ctx) {
    const limit = ctx.config.limits.maxFrameBytes
    const connection = await ctx.connect('a')
    const id = connection.nextId()
    const from = connection.log.frames.length
    await connection.sendRaw(sized(limit * 4 + 64, (padding) => JSON.stringify({ id, type: 'ping', padding })), { id, type: 'ping' })
    const answer = connection.log.wait((frame) => connection.log.frames.indexOf(frame) >= from && (frame.type === 'error' || (frame.type === 'reply' && frame.id === id)), 'FRAME_TOO_LARGE or a 1009 close')
    // The end of the connection settles `answer` too (as a failure): read it as the close instead.
    const outcome = await within(Promise.race([answer.catch(() => connection.ended), connection.ended]), ctx.waitMs, () => new CaseFailure(`${connection.label}: neither a close nor an answer within ${ctx.waitMs} ms after a message of ${limit * 4 + 64} bytes`, { expected: 'close 1009, or FRAME_TOO_LARGE', received: connection.log.recent() }))
    if ('how' in outcome) {
      check(outcome.code === 1009, `${connection.label}: a message over 4 x the frame limit closes with 1009`, { expected: 'close code 1009 (or a FRAME_TOO_LARGE answer)', received: outcome })
      ctx.note('closed with 1009')
    } else {
      const code = outcome.type === 'error' ? outcome.error?.code : outcome.type === 'reply' && !outcome.ok ? outcome.error?.code : undefined
      check(code === 'FRAME_TOO_LARGE', `${connection.label}: a message over 4 x the frame limit is answered FRAME_TOO_LARGE when not closed`, { expected: 'FRAME_TOO_LARGE', received: outcome })
      await stillServes(connection, 'a refused oversized message')
      ctx.note('answered FRAME_TOO_LARGE and kept the connection')
    }
    await stillServes(await ctx.connect('a'), 'an oversized message on another connection')
  },
}
