import { CloseCode, type RefreshResult } from '@lifeline/protocol'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { errorOf, request, requestTicket, resultOf, SseClient, WsClient } from '@lifeline/testkit/raw'
import { eventually, mintToken, startServer, TestClock, useIntegrationHooks } from './support'

useIntegrationHooks()

const expiredToken = (sub: string) => mintToken(sub, { now: Date.now() - 2 * 3600_000, expiresInSeconds: 3600 })

describe('channel rules', () => {
  const cases: { sub: string; roles?: string[]; channel: string; allowed: boolean }[] = [
    { sub: 'ada', channel: 'user:ada', allowed: true },
    { sub: 'grace', channel: 'user:ada', allowed: false },
    { sub: 'ada', roles: ['admin'], channel: 'dashboard', allowed: true },
    { sub: 'ada', roles: ['mentor'], channel: 'dashboard', allowed: true },
    { sub: 'ada', roles: ['student'], channel: 'dashboard', allowed: false },
    { sub: 'ada', channel: 'dashboard', allowed: false },
    { sub: 'ada', channel: 'leaderboard', allowed: true },
    { sub: 'm1', channel: 'mentor:m1', allowed: true },
    { sub: 'm2', roles: ['mentor'], channel: 'mentor:m1', allowed: false },
    { sub: 's1', channel: 'student:s1', allowed: true },
    { sub: 's2', channel: 'student:s1', allowed: false },
    { sub: 'm1', roles: ['mentor'], channel: 'student:s1', allowed: true },
    { sub: 'ada', channel: 'broadcasts', allowed: true },
    { sub: 'ada', roles: ['admin'], channel: 'no-rule-matches', allowed: false },
  ]

  it.each(cases)('$sub with roles $roles subscribing to $channel: allowed $allowed (WebSocket)', async ({ sub, roles, channel, allowed }) => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken(sub, { roles: roles ?? [] }))
    const reply = await client.command('subscribe', { channel })
    if (allowed) expect(reply.ok).toBe(true)
    else expect(errorOf(reply)).toBe('FORBIDDEN')
  })

  it("refuses another user's channel over SSE with FORBIDDEN, and keeps the stream", async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('grace'))
    expect(errorOf(await client.command(server, 'subscribe', { channel: 'user:ada' }))).toBe('FORBIDDEN')
    expect((await client.command(server, 'subscribe', { channel: 'user:grace' })).ok).toBe(true)
  })

  it('lets only permitted users publish: owners on user channels, admins on leaderboard', async () => {
    const server = await startServer()
    const grace = await WsClient.connect(server, await mintToken('grace'))
    const admin = await WsClient.connect(server, await mintToken('root', { roles: ['admin'] }))
    expect(errorOf(await grace.command('publish', { channel: 'user:ada', event: 'hi', data: 1, key: 'k1' }))).toBe('FORBIDDEN')
    expect(errorOf(await grace.command('publish', { channel: 'leaderboard', event: 'score', data: 1, key: 'k2' }))).toBe('FORBIDDEN')
    expect((await grace.command('publish', { channel: 'user:grace', event: 'note', data: 1, key: 'k3' })).ok).toBe(true)
    expect((await admin.command('publish', { channel: 'leaderboard', event: 'score', data: 1, key: 'k4' })).ok).toBe(true)
  })
})

describe('token refresh on a live connection', () => {
  // The engine's clock jumps past a token's expiry at once; jose still checks tokens on the wall clock.
  const HOUR = 3600_000

  it('moves the expiry over WebSocket without reconnecting', async () => {
    const clock = new TestClock()
    const server = await startServer({ clock })
    const client = await WsClient.connect(server, await mintToken('ada', { expiresInSeconds: 3600 }))
    const refreshed = resultOf<RefreshResult>(await client.command('refresh', { token: await mintToken('ada', { expiresInSeconds: 3 * 3600 }) }))
    expect(refreshed.expiresInMs).toBeGreaterThan(2 * HOUR)
    clock.advance(HOUR + 1000)
    expect((await client.command('ping', {})).ok).toBe(true)
    expect(client.frames.filter((frame) => frame.type === 'disconnect')).toEqual([])
    clock.advance(2 * HOUR)
    expect(await client.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
  })

  it('moves the expiry over SSE without reconnecting', async () => {
    const clock = new TestClock()
    const server = await startServer({ clock })
    const client = await SseClient.connect(server, await mintToken('grace', { expiresInSeconds: 3600 }))
    client.token = await mintToken('grace', { expiresInSeconds: 3 * 3600 })
    const refreshed = resultOf<RefreshResult>(await client.command(server, 'refresh', { token: client.token }))
    expect(refreshed.expiresInMs).toBeGreaterThan(2 * HOUR)
    clock.advance(HOUR + 1000)
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
    expect(client.frames.filter((frame) => frame.type === 'disconnect')).toEqual([])
    expect(server.clients.map((info) => info.id)).toEqual([client.session])
  })

  it('expires each connection on its own token, also when tokens of several connections expire in the same second', async () => {
    const clock = new TestClock()
    const server = await startServer({ clock })
    const token = await mintToken('ada', { expiresInSeconds: 3600 })
    const [kept, expiring, gone] = [await WsClient.connect(server, token), await WsClient.connect(server, token), await WsClient.connect(server, token)]
    expect(resultOf<RefreshResult>(await kept.command('refresh', { token: await mintToken('ada', { expiresInSeconds: 3 * 3600 }) })).expiresInMs).toBeGreaterThan(2 * HOUR)
    gone.socket.close()
    await eventually(() => expect(server.clients).toHaveLength(2))
    clock.advance(HOUR + 1000)
    expect(await expiring.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
    expect((await kept.command('ping', {})).ok).toBe(true)
    expect(kept.frames.filter((frame) => frame.type === 'disconnect')).toEqual([])
    clock.advance(2 * HOUR)
    expect(await kept.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
  })

  it('expires every connection of a shared expiry second when an app listener throws on close, and logs the throw', async () => {
    const clock = new TestClock()
    const logged: string[] = []
    const server = await startServer({ clock, log: (message) => logged.push(message) })
    server.engine.onSession((event) => {
      if (event === 'close') throw new Error('a bug in the app')
    })
    const token = await mintToken('ada', { expiresInSeconds: 3600 })
    const clients = [await WsClient.connect(server, token), await WsClient.connect(server, token)]
    clock.advance(HOUR + 1000)
    for (const client of clients) expect(await client.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
    expect(logged).toEqual(['session listener failed', 'session listener failed'])
    expect(server.clients).toEqual([])
  })

  it('refuses a refresh token of another user with FORBIDDEN and keeps the connection on its old token', async () => {
    const clock = new TestClock()
    const server = await startServer({ clock })
    const client = await WsClient.connect(server, await mintToken('ada', { expiresInSeconds: 3600 }))
    expect(errorOf(await client.command('refresh', { token: await mintToken('mallory', { expiresInSeconds: 3 * 3600 }) }))).toBe('FORBIDDEN')
    expect((await client.command('subscribe', { channel: 'user:ada' })).ok).toBe(true)
    clock.advance(HOUR + 1000)
    expect(await client.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
  })

  it('refuses an expired refresh token with TOKEN_EXPIRED', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    expect(errorOf(await client.command('refresh', { token: await expiredToken('ada') }))).toBe('TOKEN_EXPIRED')
  })
})

describe('token expiry on a live connection', () => {
  it('sends disconnect 4200 and closes the WebSocket with 4200, on the wall clock', async () => {
    const server = await startServer()
    // `exp` has whole seconds: a token minted for 2 s lives between 1 and 2 s, time enough to connect.
    const client = await WsClient.connect(server, await mintToken('ada', { expiresInSeconds: 2 }))
    const disconnect = await client.frame((frame) => frame.type === 'disconnect', 'disconnect')
    expect(disconnect).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
    expect((await client.closed).code).toBe(CloseCode.TOKEN_EXPIRED)
  })

  it('sends disconnect 4200 on the SSE stream and ends it', async () => {
    const clock = new TestClock()
    const server = await startServer({ clock })
    const client = await SseClient.connect(server, await mintToken('grace', { expiresInSeconds: 3600 }))
    clock.advance(3600_000)
    const disconnect = await client.frame((frame) => frame.type === 'disconnect', 'disconnect')
    expect(disconnect).toMatchObject({ code: CloseCode.TOKEN_EXPIRED })
    await client.ended()
    await eventually(() => expect(server.clients).toEqual([]))
  })
})

describe('token lifetime', () => {
  const SECRET = 'token-lifetime-test-secret'
  /** An HS256 token for `ada` with exactly the claims given: signToken always adds `exp`. */
  const rawToken = (claims: Record<string, unknown>) => new SignJWT({ roles: [], ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').sign(new TextEncoder().encode(SECRET))

  it('refuses a token without exp, on the WebSocket connect and the SSE ticket, unless told to accept them', async () => {
    const noExpiry = await rawToken({})
    const server = await startServer({ jwtSecret: SECRET })
    const client = await WsClient.open(server)
    const reply = await client.command('connect', { v: 1, token: noExpiry })
    expect(!reply.ok && reply.error).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining('"exp"') })
    expect((await client.closed).code).toBe(CloseCode.UNAUTHORIZED)
    expect(await requestTicket(server, noExpiry)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } })

    const lenient = await startServer({ jwtSecret: SECRET, requireTokenExpiry: false })
    expect((await WsClient.connect(lenient, noExpiry)).socket.readyState).toBe(WebSocket.OPEN)
  })

  it('refuses a token that lives longer than maxTokenLifetimeMs', async () => {
    const server = await startServer({ jwtSecret: SECRET, maxTokenLifetimeMs: 3600_000 })
    const now = Math.floor(Date.now() / 1000)
    expect((await WsClient.connect(server, await rawToken({ exp: now + 3000 }))).socket.readyState).toBe(WebSocket.OPEN)
    const client = await WsClient.open(server)
    const reply = await client.command('connect', { v: 1, token: await rawToken({ exp: now + 7200 }) })
    expect(errorOf(reply)).toBe('UNAUTHORIZED')
    // The default allows a day.
    const byDefault = await startServer({ jwtSecret: SECRET })
    expect(await requestTicket(byDefault, await rawToken({ exp: now + 2 * 86_400 }))).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } })
  })

  it('applies the same rule to a custom verifier that forgets exp', async () => {
    const server = await startServer({ verifyToken: async (token) => ({ sub: token, roles: [] }) })
    const client = await WsClient.open(server)
    expect(errorOf(await client.command('connect', { v: 1, token: 'ada' }))).toBe('UNAUTHORIZED')
  })
})

describe('SSE tickets', () => {
  it('are opaque: the ticket carries no claim, only a reference and its expiry', async () => {
    const server = await startServer()
    const answer = await requestTicket(server, await mintToken('ada.lovelace@example.com', { roles: ['admin'] }))
    const ticket = answer.body.ticket as string
    expect(ticket).not.toMatch(/ada|admin|example/)
    const payload = JSON.parse(Buffer.from(ticket.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(Object.keys(payload).sort()).toEqual(['exp', 'jti'])
    expect(JSON.stringify(payload)).not.toMatch(/ada|admin|example/)
    const client = await SseClient.withTicket(server, ticket, 'unused')
    expect(server.clients.map((info) => [info.user, info.id])).toEqual([['ada.lovelace@example.com', client.session]])
  })

  it('refuses a ticket whose token expired before it was redeemed with 401 TOKEN_EXPIRED', async () => {
    const clock = new TestClock()
    const server = await startServer({ clock, ticketTtlMs: 5 * 3600_000 })
    const ticket = (await requestTicket(server, await mintToken('ada', { expiresInSeconds: 3600 }))).body.ticket as string
    clock.advance(3600_000 + 1000)
    const stream = await request(server, `/sse?ticket=${encodeURIComponent(ticket)}`)
    expect([stream.status, stream.body.error.code]).toEqual([401, 'TOKEN_EXPIRED'])
  })
})

describe('a refreshed token with fewer rights', () => {
  it('ends the subscriptions it no longer allows with an unsubscribed frame and keeps the others', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada', { roles: ['admin'] }))
    resultOf(await client.command('subscribe', { channel: 'dashboard' }))
    resultOf(await client.command('subscribe', { channel: 'leaderboard' }))
    resultOf(await client.command('refresh', { token: await mintToken('ada', { roles: [] }) }))
    expect(await client.frame((frame) => frame.type === 'unsubscribed', 'unsubscribed')).toEqual({
      type: 'unsubscribed',
      channel: 'dashboard',
      error: { code: 'FORBIDDEN', message: expect.any(String) },
    })
    await server.publish('leaderboard', 'score', 1)
    await server.publish('dashboard', 'stats', 1)
    await client.messagesOf('leaderboard', 1)
    await client.command('ping', {})
    expect(client.messages('dashboard')).toEqual([])
    expect(server.clients[0]!.channels).toEqual(['leaderboard'])
  })
})
