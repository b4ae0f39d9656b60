import { ROUTES, type ErrorCode, type RouteName, type TransportName } from '@lifeline/protocol'
import { HTTP_TRANSPORTS, type ConformanceCase } from '../conformanceCase'
import { httpError, httpStatus } from '../expectations'
import { check, NotApplicable } from '../failure'
import { shown, type HttpAnswer } from '../http'
import { stillServes } from '../steps'
import { LongPollConnection, requestPoll, requestPollConnect } from '../transports/longPollConnection'
import { requestTicket, SseConnection } from '../transports/sseConnection'
import { postUpstream } from '../transports/upstream'

export const upstreamErrors: ConformanceCase = {
  name: 'upstream-errors',
  level: 'core',
  title: "upstream POSTs and polls: another user's session is 403 FORBIDDEN, an unknown one 404 SESSION_NOT_FOUND, no or a bad token 401",
  transports: HTTP_TRANSPORTS,
  async run(ctx) {
    const connection = await ctx.connect('a')
    const options = ctx.options('a')
    const ping = (id: number) => JSON.stringify({ id, type: 'ping' })
    const send = (what: string, token: string | undefined, session = connection.session) => postUpstream(options, { session, token, body: ping(connection.nextId()) }).then((answer) => ({ what: `POST ${ROUTES.send.path} ${what}`, answer }))
    const checks: { what: string; answer: HttpAnswer; code: ErrorCode }[] = [
      { ...(await send("with user B's token on A's session", ctx.tokens.of('b'))), code: 'FORBIDDEN' },
      { ...(await send('for an unknown session', ctx.tokens.of('a'), `${connection.session}-unknown`)), code: 'SESSION_NOT_FOUND' },
      { ...(await send('without a token', undefined)), code: 'UNAUTHORIZED' },
      { ...(await send('with a forged token', ctx.tokens.forged())), code: 'UNAUTHORIZED' },
    ]
    const expired = await ctx.tokens.expired()
    if (expired) checks.push({ ...(await send('with an expired token', expired)), code: 'TOKEN_EXPIRED' })
    if (ctx.transport === 'long-polling') {
      const poll = (what: string, token: string | undefined, session = connection.session) => requestPoll(options, { session, token, ack: 0 }).then((answer) => ({ what: `POST ${ROUTES.poll.path} ${what}`, answer }))
      checks.push(
        { ...(await poll("with user B's token on A's session", ctx.tokens.of('b'))), code: 'FORBIDDEN' },
        { ...(await poll('for an unknown session', ctx.tokens.of('a'), `${connection.session}-unknown`)), code: 'SESSION_NOT_FOUND' },
        { ...(await poll('without a token', undefined)), code: 'UNAUTHORIZED' },
      )
    }
    for (const { what, answer, code } of checks) httpError(answer, code, what)
    await stillServes(connection, 'refused upstream requests')
  },
}

const REQUESTED_HEADERS = ['authorization', 'content-type', 'lifeline-session']
const CORS_HEADERS = ['access-control-allow-origin', 'vary', 'access-control-allow-methods', 'access-control-allow-headers']

/** The CORS headers an answer to an allowed origin carries: the origin echoed, `vary: Origin`. */
function expectAllowed(answer: HttpAnswer, origin: string, what: string): void {
  check(answer.headers['access-control-allow-origin'] === origin, `${what}: an answer to the allowed origin ${origin} echoes it in access-control-allow-origin`, {
    expected: `access-control-allow-origin: ${origin} (echoed, never *)`,
    received: shown(answer, CORS_HEADERS),
  })
  check(/\borigin\b/i.test(answer.headers.vary ?? ''), `${what}: an answer that echoes the origin says vary: Origin`, { expected: 'vary: Origin', received: shown(answer, CORS_HEADERS) })
}

/** The HTTP paths of the selected transports. */
function httpPaths(transports: readonly TransportName[]): string[] {
  return [
    ...(transports.includes('sse') ? [ROUTES.sseTicket.path] : []),
    ...(transports.includes('long-polling') ? [ROUTES.pollConnect.path, ROUTES.poll.path] : []),
    ROUTES.send.path,
  ]
}

export const corsPreflight: ConformanceCase = {
  name: 'cors',
  level: 'core',
  title: 'OPTIONS preflights of the HTTP endpoints answer 204 with the CORS headers; answers and the SSE stream echo an allowed origin',
  transports: HTTP_TRANSPORTS,
  async run(ctx) {
    const origin = ctx.config.origin
    for (const path of httpPaths([ctx.transport])) {
      const answer = await ctx.http('OPTIONS', path, { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': REQUESTED_HEADERS.join(', ') } })
      const what = `OPTIONS ${path} from ${origin}`
      httpStatus(answer, 204, what, CORS_HEADERS)
      expectAllowed(answer, origin, what)
      const methods = (answer.headers['access-control-allow-methods'] ?? '').toLowerCase()
      check(/\bpost\b/.test(methods), `${what}: access-control-allow-methods includes POST`, { expected: 'access-control-allow-methods: GET, POST, OPTIONS', received: shown(answer, CORS_HEADERS) })
      const allowed = (answer.headers['access-control-allow-headers'] ?? '').toLowerCase().split(',').map((name) => name.trim())
      const missing = REQUESTED_HEADERS.filter((name) => !allowed.includes(name))
      check(missing.length === 0, `${what}: access-control-allow-headers lacks ${missing.join(', ')}`, { expected: `access-control-allow-headers: ${REQUESTED_HEADERS.join(', ')}`, received: shown(answer, CORS_HEADERS) })
    }
    // The actual requests: the opening (ticket or poll connect), the stream, and an upstream POST.
    const connection = await ctx.connect('a', { headers: { origin } })
    const opening = connection instanceof SseConnection ? connection.ticket : (connection as LongPollConnection).opening
    expectAllowed(opening, origin, `${opening.method} ${new URL(opening.url).pathname} from ${origin}`)
    if (connection instanceof SseConnection) {
      const { status, headers } = connection.stream
      expectAllowed({ method: 'GET', url: `${ctx.url}${ROUTES.sse.path}`, status, headers, body: '<text/event-stream>' }, origin, `GET ${ROUTES.sse.path} from ${origin}`)
    }
    const upstream = await postUpstream({ ...ctx.options('a') }, { session: connection.session, token: ctx.tokens.of('a'), body: '{"type":"pong"}' })
    httpStatus(upstream, 202, `POST ${ROUTES.send.path} of a pong`)
    await stillServes(connection, 'CORS requests')
  },
}

export const unknownPath: ConformanceCase = {
  name: 'unknown-path',
  level: 'core',
  title: 'a path the server does not have is 404 NOT_FOUND',
  async run(ctx) {
    httpError(await ctx.http('GET', '/lifeline-conformance/no-such-path'), 'NOT_FOUND', 'GET /lifeline-conformance/no-such-path')
  },
}

/** The routes of each transport, for the cases that check the HTTP surface of the selected ones. */
const ROUTES_OF: Record<TransportName, RouteName[]> = {
  websocket: ['webSocket'],
  sse: ['sseTicket', 'sse', 'send'],
  'long-polling': ['pollConnect', 'poll', 'send'],
}

export const wrongMethod: ConformanceCase = {
  name: 'wrong-method',
  level: 'core',
  title: "a protocol path with a method it does not take is 405 METHOD_NOT_ALLOWED, with an allow header listing the path's methods",
  async run(ctx) {
    const routes = [...new Set(ctx.transports.flatMap((transport) => ROUTES_OF[transport]))].map((name) => ROUTES[name])
    for (const { path, methods } of routes) {
      const method = (methods as readonly string[]).includes('GET') ? 'POST' : 'GET'
      const answer = await ctx.http(method, path)
      httpError(answer, 'METHOD_NOT_ALLOWED', `${method} ${path}`, ['allow'])
      const allowed = (answer.headers.allow ?? '').toUpperCase().split(',').map((name) => name.trim())
      const missing = methods.filter((name) => !allowed.includes(name))
      check(missing.length === 0, `${method} ${path}: a 405 lists the path's methods in an allow header`, { expected: `allow: ${methods.join(', ')}`, received: shown(answer, ['allow']) })
    }
  },
}

export const refusedOrigin: ConformanceCase = {
  name: 'refused-origin',
  level: 'core',
  title: 'an origin outside the allowlist is refused: 403 to a preflight, 403 ORIGIN_NOT_ALLOWED to a request, without CORS headers',
  async run(ctx) {
    const origin = ctx.requireConfig('refusedOrigin', ' (the server allows any origin)')
    if (!ctx.transports.some((transport) => transport !== 'websocket')) throw new NotApplicable("checks the HTTP endpoints (a WebSocket's Origin is the browser's to set): select sse or long-polling")
    const preflight = await ctx.http('OPTIONS', ROUTES.send.path, { headers: { origin, 'access-control-request-method': 'POST' } })
    httpStatus(preflight, 403, `OPTIONS ${ROUTES.send.path} from the refused origin ${origin}`, CORS_HEADERS)
    const options = ctx.options('a')
    const answers = [
      { what: `POST ${ROUTES.sseTicket.path}`, answer: await requestTicket(options, { token: ctx.tokens.of('a'), headers: { origin } }) },
      { what: `POST ${ROUTES.pollConnect.path}`, answer: await requestPollConnect(options, { token: ctx.tokens.of('a'), headers: { origin } }) },
    ].filter(({ what }) => (what.includes('poll') ? ctx.transports.includes('long-polling') : ctx.transports.includes('sse')))
    for (const { what, answer } of answers) {
      httpError(answer, 'ORIGIN_NOT_ALLOWED', `${what} from the refused origin ${origin}`, CORS_HEADERS)
      check(answer.headers['access-control-allow-origin'] === undefined, `${what} from the refused origin ${origin} carries no CORS headers`, { expected: 'no access-control-allow-origin', received: shown(answer, CORS_HEADERS) })
    }
  },
}
