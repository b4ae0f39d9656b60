import { CloseCode, type RefreshResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, eventually, mintToken, resultOf, SseClient, startServer, TestClock, useIntegrationHooks, WsClient } from './support'

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
