import type { MockServer } from '@lifeline/mock-server'
import { afterEach, describe, expect, it } from 'vitest'
import { runConformance, type CaseResult, type ConformanceOptions } from '../src/index'
import { brokenServer, deliversTwice, ignoringExpiry, latestInsteadOfCursor, neverPings, repliesTwice } from './support/brokenServer'
import { testConfig } from '../src/__tests__/support/testConfig'

const servers: MockServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** Runs `cases` against `server` and returns the results by id. */
async function run(server: MockServer, options: Pick<ConformanceOptions, 'cases' | 'transports' | 'levels'>): Promise<Record<string, CaseResult>> {
  servers.push(server)
  const report = await runConformance({ url: server.url, config: testConfig(), ...options })
  return Object.fromEntries(report.results.map((result) => [result.id, result]))
}

describe('the kit against deliberately broken servers', { timeout: 60_000 }, () => {
  it('fails recover-within-history on a server that answers a recovering subscribe with the latest position, naming the reply', async () => {
    const results = await run(await brokenServer({ tamper: latestInsteadOfCursor }), { cases: ['recover-within-history', 'subscribe-unsubscribe'] })
    for (const transport of ['websocket', 'sse', 'long-polling']) {
      const result = results[`recovery/recover-within-history [${transport}]`]!
      expect(result.status).toBe('failed')
      expect(result.reason).toMatch(/subscribe since \{"epoch":"\w+","offset":2\} \(in history\) answers recovered: true with the cursor equal to since/)
      expect(result.expected).toMatch(/^\{"position":\{"epoch":"\w+","offset":2\},"recovered":true\}$/)
      expect(result.received).toMatchObject({ position: { offset: 5 }, recovered: true })
      // Without `since` the cursor is the latest position, so the same server passes there.
      expect(results[`core/subscribe-unsubscribe [${transport}]`]!.status).toBe('passed')
    }
  })

  it('fails on a server that replies twice, naming the second reply', async () => {
    const results = await run(await brokenServer({ tamper: repliesTwice }), { cases: ['one-reply-per-command'] })
    for (const transport of ['websocket', 'sse', 'long-polling']) {
      const result = results[`core/one-reply-per-command [${transport}]`]!
      expect(result.status).toBe('failed')
      expect(result.reason).toMatch(new RegExp(`^A over ${transport}( \\(session s_\\w+\\))?: reply number 2 to command 1 \\(connect\\): every command gets exactly one reply$`))
      expect(result.received).toMatchObject({ type: 'reply', id: 1, ok: true, result: { session: expect.any(String) } })
    }
  })

  it('fails the heartbeat case on a server that never pings, on every transport', async () => {
    const results = await run(await brokenServer({ tamper: neverPings }), { cases: ['heartbeat', 'handshake'] })
    for (const transport of ['websocket', 'sse', 'long-polling']) {
      const result = results[`core/heartbeat [${transport}]`]!
      expect(result.status).toBe('failed')
      expect(result.reason).toMatch(/: a ping frame \(heartbeatMs 300 \+ 3000 ms grace\) did not arrive within 3300 ms$/)
      expect(result.received).toMatchObject({ lastFrames: [{ type: 'reply', id: 1, ok: true }] })
      expect(results[`core/handshake [${transport}]`]!.status).toBe('passed')
    }
  })

  it('fails expired-token on a server that accepts expired tokens, naming the ok reply or the 200 answer', async () => {
    const results = await run(await brokenServer({ verifyToken: ignoringExpiry }), { cases: ['expired-token', 'bad-token'] })
    const webSocket = results['core/expired-token [websocket]']!
    expect(webSocket.status).toBe('failed')
    expect(webSocket.reason).toBe('connect over websocket with an expired token: expected an error reply TOKEN_EXPIRED, got ok')
    expect(webSocket.received).toMatchObject({ type: 'reply', id: 1, ok: true })
    for (const [transport, path] of [['sse', 'POST /sse/ticket'], ['long-polling', 'POST /poll/connect']]) {
      const result = results[`core/expired-token [${transport}]`]!
      expect(result.status).toBe('failed')
      expect(result.reason).toBe(`${path} with an expired token: expected 401 {"error":{"code":"TOKEN_EXPIRED",…}}, got 200`)
      expect(result.received).toMatchObject({ request: path, status: 200 })
      expect(results[`core/bad-token [${transport}]`]!.status).toBe('passed')
    }
  })

  it('fails publish-receive on a server that delivers each message twice, naming the repeated message', async () => {
    const results = await run(await brokenServer({ tamper: deliversTwice }), { cases: ['publish-receive'] })
    for (const transport of ['websocket', 'sse', 'long-polling']) {
      const result = results[`core/publish-receive [${transport}]`]!
      expect(result.status).toBe('failed')
      expect(result.reason).toMatch(/over \S+ \(session s_\w+\): message at offset 1 on board:conformance-c\w+ repeats or reorders: the subscription is already past offset 1$/)
      expect(result.received).toMatchObject({ type: 'message', event: 'conformance.sample', pos: { offset: 1 } })
    }
  })
})
