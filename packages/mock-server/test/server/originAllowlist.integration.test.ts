import { describe, expect, it } from 'vitest'
import { request, requestTicket, SseClient, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

const ALLOWED = 'http://app.example'

const EVIL = 'http://evil.example'

describe('origin allowlist', () => {
  it('refuses the WebSocket upgrade from a disallowed origin and accepts an allowed one', async () => {
    const server = await startServer({ allowedOrigins: [ALLOWED] })
    await expect(WsClient.open(server, { origin: EVIL })).rejects.toThrow('upgrade refused with 403')
    const allowed = await WsClient.open(server, { origin: ALLOWED })
    expect((await allowed.command('connect', { v: 1, token: await mintToken('ada') })).ok).toBe(true)
  })

  it('refuses SSE tickets, streams and preflights from a disallowed origin with 403 ORIGIN_NOT_ALLOWED', async () => {
    const server = await startServer({ allowedOrigins: [ALLOWED] })
    const token = await mintToken('grace')
    const ticket = await requestTicket(server, token, { origin: EVIL })
    expect(ticket.status).toBe(403)
    expect(ticket.body.error.code).toBe('ORIGIN_NOT_ALLOWED')
    const goodTicket = (await requestTicket(server, token)).body.ticket as string
    const stream = await request(server, `/sse?ticket=${encodeURIComponent(goodTicket)}`, { headers: { origin: EVIL } })
    expect(stream.status).toBe(403)
    expect(stream.body.error.code).toBe('ORIGIN_NOT_ALLOWED')
    expect((await request(server, '/sse/ticket', { method: 'OPTIONS', headers: { origin: EVIL } })).status).toBe(403)
    await expect(SseClient.connect(server, token, EVIL)).rejects.toThrow('ticket refused')
  })

  it('serves an allowed origin over SSE with CORS headers', async () => {
    const server = await startServer({ allowedOrigins: [ALLOWED] })
    const preflight = await request(server, '/sse/send', { method: 'OPTIONS', headers: { origin: ALLOWED } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('lifeline-session')
    const ticket = await requestTicket(server, await mintToken('grace'), { origin: ALLOWED })
    expect(ticket.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    const client = await SseClient.connect(server, await mintToken('grace'), ALLOWED)
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })
})
