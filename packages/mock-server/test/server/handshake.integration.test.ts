import { CloseCode, PROTOCOL_VERSION, type ConnectResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, request, requestTicket, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { MemoryBroker } from '../../src/index'
import { eventually, mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('WebSocket handshake', () => {
  it('answers a connect frame carrying the token with the session id, heartbeat interval and token expiry', async () => {
    const server = await startServer({ heartbeatMs: 7000 })
    const client = await WsClient.open(server)
    const reply = await client.command('connect', { v: PROTOCOL_VERSION, token: await mintToken('ada', { expiresInSeconds: 600 }) })
    const result = resultOf<ConnectResult>(reply)
    expect(result.session).toMatch(/^s_/)
    expect(result.heartbeatMs).toBe(7000)
    expect(result.expiresInMs).toBeGreaterThan(590_000)
    expect(result.expiresInMs).toBeLessThanOrEqual(600_000)
    expect(client.socket.url).not.toContain('token')
    const [info] = await server.connected()
    expect(info).toMatchObject({ id: result.session, transport: 'websocket', user: 'ada' })
  })

  it('serves commands sent right behind the connect frame, before its reply', async () => {
    const server = await startServer()
    const client = await WsClient.open(server)
    const token = await mintToken('ada')
    client.send({ id: 1, type: 'connect', v: PROTOCOL_VERSION, token })
    client.send({ id: 2, type: 'subscribe', channel: 'leaderboard' })
    expect((await client.reply(1)).ok).toBe(true)
    expect((await client.reply(2)).ok).toBe(true)
  })

  it('refuses a command before connect with NOT_CONNECTED and closes with 4301', async () => {
    const server = await startServer()
    const client = await WsClient.open(server)
    expect(errorOf(await client.command('subscribe', { channel: 'leaderboard' }))).toBe('NOT_CONNECTED')
    expect((await client.closed).code).toBe(CloseCode.BAD_PROTOCOL)
  })

  it('refuses another protocol version with UNSUPPORTED_VERSION and closes with 4301', async () => {
    const server = await startServer()
    const client = await WsClient.open(server)
    expect(errorOf(await client.command('connect', { v: 99, token: await mintToken('ada') }))).toBe('UNSUPPORTED_VERSION')
    expect((await client.closed).code).toBe(CloseCode.BAD_PROTOCOL)
  })

  it('closes a socket that sends no connect frame in time with 4003', async () => {
    const server = await startServer({ connectTimeoutMs: 200 })
    const client = await WsClient.open(server)
    const disconnect = await client.frame((frame) => frame.type === 'disconnect', 'disconnect')
    expect(disconnect).toMatchObject({ code: CloseCode.CONNECT_TIMEOUT })
    expect((await client.closed).code).toBe(CloseCode.CONNECT_TIMEOUT)
  })

  it('refuses a second connect on the same socket with ALREADY_CONNECTED', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    expect(errorOf(await client.command('connect', { v: PROTOCOL_VERSION, token: await mintToken('ada') }))).toBe('ALREADY_CONNECTED')
  })
})

/** A memory broker whose single-use claims (SSE tickets) wait until the test releases them. */
class GatedBroker extends MemoryBroker {
  #started!: () => void
  readonly claimStarted = new Promise<void>((resolve) => (this.#started = resolve))
  #open!: () => void
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve))

  release(): void {
    this.#open()
  }

  override async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    this.#started()
    await this.#gate
    return super.claimOnce(key, ttlMs)
  }
}

describe('SSE handshake', () => {
  it('trades the bearer token for a ticket and answers the connect on the stream; the token never goes into a URL', async () => {
    const server = await startServer({ heartbeatMs: 9000 })
    const token = await mintToken('grace', { expiresInSeconds: 600 })
    const ticket = await requestTicket(server, token, { connectId: 1 })
    expect(ticket.status).toBe(200)
    expect(ticket.body).toMatchObject({ ticket: expect.any(String), expiresInMs: 30_000 })
    const client = await SseClient.withTicket(server, ticket.body.ticket, token)
    const result = resultOf<ConnectResult>(await client.reply(1))
    expect(result).toMatchObject({ session: client.session, heartbeatMs: 9000 })
    expect(result.expiresInMs).toBeGreaterThan(590_000)
    expect(client.requestedUrls.length).toBeGreaterThan(0)
    for (const url of client.requestedUrls) expect(url).not.toContain(token)
    expect(ticket.body.ticket).not.toContain(token)
    const [info] = await server.connected()
    expect(info).toMatchObject({ transport: 'sse', user: 'grace' })
  })

  it('refuses a ticket the second time with 401 BAD_TICKET', async () => {
    const server = await startServer()
    const token = await mintToken('grace')
    const ticket = (await requestTicket(server, token)).body.ticket as string
    await SseClient.withTicket(server, ticket, token)
    const second = await request(server, `/sse?ticket=${encodeURIComponent(ticket)}`)
    expect(second.status).toBe(401)
    expect(second.body.error.code).toBe('BAD_TICKET')
  })

  it('refuses unknown and missing tickets with 401 BAD_TICKET', async () => {
    const server = await startServer()
    for (const path of ['/sse?ticket=made-up', '/sse']) {
      const answer = await request(server, path)
      expect(answer.status).toBe(401)
      expect(answer.body.error.code).toBe('BAD_TICKET')
    }
  })

  it('refuses a ticket request without a bearer token with 401 UNAUTHORIZED', async () => {
    const server = await startServer()
    const answer = await requestTicket(server, undefined)
    expect(answer.status).toBe(401)
    expect(answer.body.error.code).toBe('UNAUTHORIZED')
  })

  it('forgets an SSE client that goes away', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('grace'))
    client.source.close()
    await eventually(() => expect(server.clients).toEqual([]))
    expect((await request(server, '/healthz')).body.connections).toEqual({ websocket: 0, sse: 0, 'long-polling': 0 })
  })

  it('forgets an SSE client that goes away while its ticket is being redeemed', async () => {
    const broker = new GatedBroker()
    const server = await startServer({ broker })
    const ticket = (await requestTicket(server, await mintToken('grace'))).body.ticket as string
    const controller = new AbortController()
    const stream = fetch(`${server.url}/sse?ticket=${encodeURIComponent(ticket)}`, { signal: controller.signal }).catch(() => undefined)
    await broker.claimStarted
    controller.abort()
    await stream
    // A later request's answer means the server has read past the aborted connection's end.
    await request(server, '/healthz')
    broker.release()
    await eventually(() => expect(server.engine.metrics.connections.sse).toBe(0))
    expect(server.clients).toEqual([])
  })

  it('routes upstream commands by session id and answers them on the stream', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('grace'))
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })

  it("refuses another user's upstream POST for a session with 403 FORBIDDEN", async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('grace'))
    const stolen = await client.post(server, { id: 5, type: 'subscribe', channel: 'user:grace' }, { token: await mintToken('mallory') })
    expect(stolen.status).toBe(403)
    expect(stolen.body.error.code).toBe('FORBIDDEN')
  })

  it('answers an upstream POST for an unknown session with 404 SESSION_NOT_FOUND', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('grace'))
    const answer = await client.post(server, { id: 5, type: 'ping' }, { session: 's_nope' })
    expect(answer.status).toBe(404)
    expect(answer.body.error.code).toBe('SESSION_NOT_FOUND')
  })
})
