import { CloseCode, ROUTES } from '@lifeline/protocol'
import type { ConformanceCase } from '../conformanceCase'
import { EVERY_TRANSPORT } from '../conformanceCase'
import { errorReply, httpError } from '../expectations'
import { brief, CaseFailure, check, NotApplicable } from '../failure'
import { jwtPayload } from '../jwt'
import { attemptConnect, expectConnectRefused, expectServerClose, stillServes } from '../steps'
import { SseConnection } from '../transports/sseConnection'

export const handshake: ConformanceCase = {
  name: 'handshake',
  level: 'core',
  title: 'connect answers {session, heartbeatMs, expiresInMs}; sessions are distinct; a second connect is ALREADY_CONNECTED',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const first = await ctx.connect('a')
    const { session, heartbeatMs, expiresInMs } = first.connectResult
    const shown = first.log.frames[0]
    check(typeof session === 'string' && session !== '', `${first.label}: the connect result's "session" is a non-empty string`, { expected: '"session": "<id>"', received: shown })
    check(Number.isInteger(heartbeatMs) && heartbeatMs > 0, `${first.label}: the connect result's "heartbeatMs" is a positive integer`, { expected: '"heartbeatMs": <ms>', received: shown })
    const claims = jwtPayload(ctx.tokens.of('a'))
    if (typeof claims?.exp === 'number') {
      check(typeof expiresInMs === 'number' && expiresInMs >= 0, `${first.label}: the token expires, so the connect result carries "expiresInMs"`, { expected: '"expiresInMs": <ms until the token expires>', received: shown })
      // Relative, so clocks need not agree; but never more than the token's whole lifetime.
      const lifetimeMs = typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : undefined
      if (lifetimeMs !== undefined) check(expiresInMs <= lifetimeMs + 1000, `${first.label}: "expiresInMs" ${expiresInMs} exceeds the token's whole lifetime (${lifetimeMs} ms)`, { expected: `at most ${lifetimeMs}`, received: shown })
    } else if (expiresInMs !== undefined) {
      check(typeof expiresInMs === 'number' && expiresInMs >= 0, `${first.label}: "expiresInMs" is a non-negative number`, { received: shown })
    }

    const second = await ctx.connect('a')
    check(second.session !== first.session, `two connections got the same session id ${brief(session)}`, { expected: 'a new session id per connection', received: second.log.frames[0] })

    if (first.transport === 'websocket') {
      errorReply(await first.command('connect', { v: 1, token: ctx.tokens.of('a') }), 'ALREADY_CONNECTED', `${first.label}: a second connect`)
    } else {
      const answer = await first.sendRaw(JSON.stringify({ id: first.nextId(), type: 'connect', v: 1 }))
      httpError(answer!, 'ALREADY_CONNECTED', `${first.label}: POST ${ROUTES.send.path} of a connect`)
    }
    await stillServes(first, 'a second connect')
  },
}

export const commandBeforeConnect: ConformanceCase = {
  name: 'command-before-connect',
  level: 'core',
  title: 'a command before connect gets NOT_CONNECTED and the socket closes with 4301',
  transports: ['websocket'],
  async run(ctx) {
    const socket = await ctx.openWebSocket('a')
    await socket.sendRaw(JSON.stringify({ id: 5, type: 'subscribe', channel: ctx.channel('both') }), { id: 5, type: 'subscribe' })
    errorReply(await socket.log.reply(5), 'NOT_CONNECTED', 'subscribe before connect')
    await expectServerClose(socket, CloseCode.BAD_PROTOCOL, 'subscribe before connect', ctx.waitMs)
  },
}

export const unsupportedVersion: ConformanceCase = {
  name: 'unsupported-version',
  level: 'core',
  title: 'connect with v: 2 is UNSUPPORTED_VERSION (close 4301, HTTP 400)',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const attempt = await attemptConnect(ctx, ctx.transport, { token: ctx.tokens.of('a'), v: 2 })
    await expectConnectRefused(ctx, attempt, 'UNSUPPORTED_VERSION', CloseCode.BAD_PROTOCOL, 'with v: 2')
  },
}

export const badToken: ConformanceCase = {
  name: 'bad-token',
  level: 'core',
  title: 'a forged, unsigned (alg: none), garbage or missing token is UNAUTHORIZED (close 4201, HTTP 401)',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const tokens: [string, string | undefined][] = [
      ['with a forged token', ctx.tokens.forged()],
      ['with a garbage token', 'not-a-token'],
      ['without a token', undefined],
    ]
    const unsigned = ctx.tokens.unsigned()
    if (unsigned) tokens.push(['with an alg: none token', unsigned])
    for (const [what, token] of tokens) {
      await expectConnectRefused(ctx, await attemptConnect(ctx, ctx.transport, { token }), 'UNAUTHORIZED', CloseCode.UNAUTHORIZED, what)
    }
  },
}

export const expiredToken: ConformanceCase = {
  name: 'expired-token',
  level: 'core',
  title: 'an expired token is TOKEN_EXPIRED (close 4200, HTTP 401)',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const token = await ctx.tokens.expired()
    if (!token) throw new NotApplicable('needs a user with "secret" or config.expiredToken to get an expired token')
    await expectConnectRefused(ctx, await attemptConnect(ctx, ctx.transport, { token }), 'TOKEN_EXPIRED', CloseCode.TOKEN_EXPIRED, 'with an expired token')
  },
}

export const sseTicket: ConformanceCase = {
  name: 'sse-ticket',
  level: 'core',
  title: 'an SSE ticket opens one stream only: a used or unknown ticket is 401 BAD_TICKET',
  transports: ['sse'],
  async run(ctx) {
    const connection = await ctx.connect('a')
    check(connection instanceof SseConnection, 'the sse transport opens an SSE connection')
    const ticket = (connection.ticket.body as { ticket: string }).ticket
    for (const [what, value] of [['a ticket used once already', ticket], ['an unknown ticket', `${ticket}x`]] as const) {
      const answer = await ctx.http('GET', `${ROUTES.sse.path}?ticket=${encodeURIComponent(value)}`, { headers: { accept: 'text/event-stream' } })
      if (answer.status === 200) throw new CaseFailure(`GET ${ROUTES.sse.path} with ${what} opened a stream`, { expected: '401 {"error":{"code":"BAD_TICKET",…}}', received: { status: answer.status, body: answer.body } })
      httpError(answer, 'BAD_TICKET', `GET ${ROUTES.sse.path} with ${what}`)
    }
  },
}
