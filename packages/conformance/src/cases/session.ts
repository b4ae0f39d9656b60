import type { PingFrame, RefreshResult } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { errorReply, okResult } from '../expectations'
import { check } from '../failure'
import { stillServes } from '../steps'

export const refresh: ConformanceCase = {
  name: 'refresh',
  level: 'core',
  title: "refresh moves the token's expiry (new expiresInMs); another user's token is FORBIDDEN, a forged one UNAUTHORIZED, an expired one TOKEN_EXPIRED, and the connection stays",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const connection = await ctx.connect('a')
    const before = connection.connectResult.expiresInMs
    // A token signed by the kit lives twice as long as the first, so its expiry must move forward.
    const longer = ctx.tokens.signs('a')
    const token = await ctx.tokens.fresh('a', longer ? 7200 : undefined)
    const reply = await connection.command('refresh', { token })
    const result = okResult<RefreshResult>(reply, `${connection.label}: refresh with a new token of the same user`)
    check(result.expiresInMs === undefined || (typeof result.expiresInMs === 'number' && result.expiresInMs >= 0), `${connection.label}: a refresh reply's "expiresInMs" is a number of ms`, { received: reply })
    if (longer && before !== undefined) {
      check(typeof result.expiresInMs === 'number' && result.expiresInMs > before, `${connection.label}: after a refresh with a token that lives 7200 s, expiresInMs grows past the connect reply's ${before}`, { expected: `expiresInMs > ${before}`, received: reply })
    }
    // Upstream POSTs from now on carry the new token.
    connection.token = token
    await stillServes(connection, 'a refresh')

    errorReply(await connection.command('refresh', { token: ctx.tokens.of('b') }), 'FORBIDDEN', `${connection.label}: refresh with user B's token`)
    errorReply(await connection.command('refresh', { token: ctx.tokens.forged() }), 'UNAUTHORIZED', `${connection.label}: refresh with a forged token`)
    const expired = await ctx.tokens.expired()
    if (expired) errorReply(await connection.command('refresh', { token: expired }), 'TOKEN_EXPIRED', `${connection.label}: refresh with an expired token`)
    await stillServes(connection, 'refused refreshes')
  },
}

export const heartbeat: ConformanceCase = {
  name: 'heartbeat',
  level: 'core',
  title: 'the server sends a ping frame within heartbeatMs (plus grace) of the connect reply',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const connection = await ctx.connect('a')
    const waitMs = connection.connectResult.heartbeatMs + ctx.config.timeouts.graceMs
    ctx.allow(waitMs)
    await connection.log.wait<PingFrame>((frame) => frame.type === 'ping', `a ping frame (heartbeatMs ${connection.connectResult.heartbeatMs} + ${ctx.config.timeouts.graceMs} ms grace)`, waitMs)
    await stillServes(connection, 'a heartbeat')
  },
}
