import { AuthError, signToken, type TokenVerifier } from '@lifeline/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import type { RealtimeError, TokenReason, TransportName } from '../src/index'
import { countingNetwork, next, received, sequence, startHarness, until, type Harness } from './support/harness'

let harness: Harness
afterEach(() => harness.close())

/**
 * Tokens `<sub>.<expiry in epoch ms>`: JWT `exp` has whole seconds, which would make a "2 s" token
 * live anywhere between 1 and 2 s; this verifier gives every token exactly its lifetime.
 */
const shortLivedTokens: TokenVerifier = async (token) => {
  const [sub, expiresAt] = token.split('.')
  if (!sub || !expiresAt) throw new AuthError('UNAUTHORIZED', 'Token is invalid')
  if (Number(expiresAt) <= Date.now()) throw new AuthError('TOKEN_EXPIRED', 'Token has expired')
  return { sub, roles: [], exp: Number(expiresAt) / 1000 }
}
const mintToken = (lifetimeMs: number) => `ada.${Date.now() + lifetimeMs}`

describe('token refresh against the mock server', () => {
  it('refreshes a token that expires every 2 s in-band, on both transports, without reconnecting or losing a message', { timeout: 60_000 }, async () => {
    harness = await startHarness({ verifyToken: shortLivedTokens })
    const sessions: string[] = []
    harness.server.engine.onSession((event, session) => event === 'open' && sessions.push(session.transport))
    const clients = (['websocket', 'sse'] as TransportName[]).map((transport) => {
      const reasons: TokenReason[] = []
      const client = harness.client({ transports: [transport], getToken: ({ reason }) => (reasons.push(reason), mintToken(2000)) })
      client.connect()
      const channel = client.channel('leaderboard')
      const scores = received(channel, 'score')
      channel.subscribe()
      return { client, channel, scores, reasons }
    })
    for (const { client, channel } of clients) {
      await client.ready(15_000)
      if (channel.state.status !== 'subscribed') await next(channel.onState.bind(channel), (state) => state.status === 'subscribed')
    }
    // 6 s (three token lifetimes) instead of the scenario's 20 s: each lifetime repeats the same refresh.
    const streamEnds = Date.now() + 6000
    let n = 0
    while (Date.now() < streamEnds) {
      await harness.server.publish('leaderboard', 'score', { n: ++n })
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    for (const { client, scores, reasons } of clients) {
      await until(() => scores.length >= n, 10_000, 'every message')
      expect(scores).toEqual(sequence(n))
      expect(reasons[0]).toBe('connect')
      expect(reasons.filter((reason) => reason === 'refresh').length).toBeGreaterThanOrEqual(3)
      expect(reasons).not.toContain('rejected')
      expect(client.stats().reconnects).toBe(0)
    }
    expect(sessions.sort()).toEqual(['sse', 'websocket'])
  })

  it('after a refused fresh token, asks once more, then stops with UNAUTHORIZED: no retry storm', { timeout: 30_000 }, async () => {
    harness = await startHarness()
    const reasons: TokenReason[] = []
    const network = countingNetwork()
    const client = harness.client({
      ...network,
      reconnectDelay: { minMs: 10, maxMs: 20 },
      // Signed with the wrong secret: the server refuses every one of them.
      getToken: ({ reason }) => (reasons.push(reason), signToken({ secret: 'not-the-server-secret', sub: 'ada' })),
    })
    client.connect()
    await until(() => client.getSnapshot().status === 'disconnected', 15_000, 'the client to stop')
    expect(client.getSnapshot().error).toMatchObject({ code: 'UNAUTHORIZED', retryable: false } satisfies Partial<RealtimeError>)
    expect(reasons).toEqual(['connect', 'rejected'])
    expect(network.opened).toMatchObject({ websocket: 2, sse: 0 })
  })

  it('shares one getToken call between a proactive refresh and a reconnect that need a token at once', { timeout: 30_000 }, async () => {
    harness = await startHarness({ verifyToken: shortLivedTokens })
    const reasons: TokenReason[] = []
    let release: (() => void) | undefined
    const client = harness.client({
      reconnectDelay: { minMs: 10, maxMs: 20 },
      getToken: ({ reason }) => {
        reasons.push(reason)
        if (reason === 'connect') return mintToken(1500)
        // The refresh hangs until the test lets it go, so the reconnect below asks while it is in flight.
        return new Promise<string>((resolve) => (release = () => resolve(mintToken(60_000))))
      },
    })
    client.connect()
    await client.ready(15_000)
    await until(() => release !== undefined, 10_000, 'the proactive refresh')
    harness.server.expireTokens()
    await until(() => client.getSnapshot().status === 'reconnecting', 10_000, 'the drop')
    const { retryAt } = client.getSnapshot()
    await until(() => Date.now() > retryAt! + 50, 10_000, 'the reconnect attempt to start')
    release!()
    await until(() => client.getSnapshot().status === 'connected', 10_000, 'the reconnect')
    expect(reasons).toEqual(['connect', 'refresh'])
    expect(harness.server.clients).toHaveLength(1)
  })
})
