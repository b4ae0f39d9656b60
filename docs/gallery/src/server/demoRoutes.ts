import type { IncomingMessage, ServerResponse } from 'node:http'
import { signToken, type Faults, type MockServer } from '@lifeline/mock-server'
import type { Revocations } from './revocations'

/** Close code 4201: "refresh the token, then reconnect" (protocol P8); the refresh is what fails. */
const UNAUTHORIZED_CLOSE = 4201
/** Close code 4101: "reconnect now"; the reconnect then meets the blocked upgrade. */
const RECONNECT_CLOSE = 4101
const SUBJECT = /^[\w.-]{1,64}$/
const MIN_TTL_SECONDS = 3
const MAX_TTL_SECONDS = 86_400

export interface DemoRouteOptions {
  server: () => MockServer
  revoked: Revocations
  jwtSecret: string
}

/**
 * The gallery's controls, next to the protocol on the same port:
 * - `GET /demo/token?sub=&roles=a,b&ttl=<seconds>`: a development JWT (403 for a revoked user).
 * - `GET /demo/faults`, `POST /demo/faults` with `{"refuseWebSocket": true}`: block WebSocket
 *   upgrades like a proxy would; live WebSockets are dropped when the block starts. Likewise
 *   `{"bufferSse": true}` holds new event streams back like a buffering proxy (live ones are dropped).
 * - `POST /demo/silence-websocket`: the open WebSockets pass nothing from now on, without a close.
 * - `GET /demo/connections?sub=`: how many connections the server holds for a user, and over what.
 * - `POST /demo/revoke?sub=`, `DELETE /demo/revoke?sub=`: revoke or restore a user's access.
 * Returns `false` for any other path.
 */
export function demoRoutes({ server, revoked, jwtSecret }: DemoRouteOptions): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (!url.pathname.startsWith('/demo/')) return false
    const sub = url.searchParams.get('sub') ?? ''
    switch (`${request.method} ${url.pathname}`) {
      // sample: token-endpoint
      case 'GET /demo/token': {
        if (!SUBJECT.test(sub)) return json(response, 400, { error: 'sub must be 1-64 letters, digits, ".", "_" or "-"' })
        if (revoked.has(sub)) return json(response, 403, { error: `Access of "${sub}" was revoked` })
        const roles = (url.searchParams.get('roles') ?? '').split(',').filter(Boolean)
        const ttl = Number(url.searchParams.get('ttl') ?? 3600)
        const expiresInSeconds = Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, Number.isFinite(ttl) ? Math.round(ttl) : 3600))
        return text(response, 200, await signToken({ secret: jwtSecret, sub, roles, expiresInSeconds }))
      }
      // end sample
      case 'GET /demo/faults':
        return json(response, 200, server().faults)
      case 'POST /demo/faults': {
        const change = parseFaults(await readJson(request))
        if (!change) return json(response, 400, { error: 'Body must be JSON like {"refuseWebSocket": true}' })
        const { faults, clients } = server()
        // sample: block-websocket
        const blockStarts = change.refuseWebSocket === true && !faults.refuseWebSocket
        Object.assign(faults, change)
        // A proxy that starts blocking WebSocket also cuts the ones already open through it.
        if (blockStarts) for (const client of clients) if (client.transport === 'websocket') client.disconnect(RECONNECT_CLOSE, 'WebSocket blocked (demo fault)')
        // end sample
        if (change.bufferSse === true) for (const client of clients) if (client.transport === 'sse') client.disconnect(RECONNECT_CLOSE, 'SSE buffered (demo fault)')
        return json(response, 200, faults)
      }
      case 'GET /demo/connections': {
        // For the tabs lab: how many connections the server holds for a user, however many tabs are open.
        if (!SUBJECT.test(sub)) return json(response, 400, { error: 'sub is required' })
        const connections = server().clients.filter((client) => client.user === sub)
        return json(response, 200, { sub, connections: connections.length, transports: connections.map((client) => client.transport) })
      }
      case 'POST /demo/silence-websocket':
        return json(response, 200, { silenced: server().silenceWebSocketNow() })
      // sample: revoke
      case 'POST /demo/revoke':
      case 'DELETE /demo/revoke': {
        if (!SUBJECT.test(sub)) return json(response, 400, { error: 'sub is required' })
        if (request.method === 'DELETE') {
          revoked.restore(sub)
          return json(response, 200, { sub, revoked: false })
        }
        revoked.revoke(sub)
        for (const client of server().clients) if (client.user === sub) client.disconnect(UNAUTHORIZED_CLOSE, 'access revoked')
        return json(response, 200, { sub, revoked: true })
      }
      // end sample
      default:
        return json(response, 404, { error: `No demo route ${request.method} ${url.pathname}` })
    }
  }
}

function parseFaults(body: unknown): Partial<Faults> | undefined {
  if (!body || typeof body !== 'object') return undefined
  const change: Partial<Faults> = {}
  for (const [name, value] of Object.entries(body)) {
    if (name === 'refuseWebSocket' || name === 'silenceWebSocket' || name === 'dropSse' || name === 'bufferSse') {
      if (typeof value !== 'boolean') return undefined
      change[name] = value
    } else if (name === 'sseDelayMs') {
      if (typeof value !== 'number' || value < 0) return undefined
      change.sseDelayMs = value
    } else return undefined
  }
  return change
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let body = ''
  for await (const chunk of request) {
    body += chunk
    if (body.length > 4096) return undefined
  }
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

function json(response: ServerResponse, status: number, body: unknown): true {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(JSON.stringify(body))
  return true
}

function text(response: ServerResponse, status: number, body: string): true {
  response.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
  response.end(body)
  return true
}
