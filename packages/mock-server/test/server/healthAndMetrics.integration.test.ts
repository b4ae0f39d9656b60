import { describe, expect, it } from 'vitest'
import { request, SseClient, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('health and metrics', () => {
  it('reports health with connections by transport', async () => {
    const server = await startServer()
    await WsClient.connect(server, await mintToken('ada'))
    await SseClient.connect(server, await mintToken('grace'))
    const health = await request(server, '/healthz')
    expect(health.status).toBe(200)
    expect(health.body).toEqual({ status: 'ok', connections: { websocket: 1, sse: 1, 'long-polling': 0 } })
  })

  it('exposes Prometheus text: connections by transport, messages in and out, errors by code', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    await SseClient.connect(server, await mintToken('grace'))
    await client.command('subscribe', { channel: 'user:grace' })
    const refused = await WsClient.open(server)
    await refused.command('connect', { v: 1, token: 'not-a-token' })
    await refused.closed
    const metrics = await request(server, '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = metrics.body as string
    expect(text).toContain('# TYPE lifeline_connections gauge')
    expect(text).toContain('lifeline_connections{transport="websocket"} 1')
    expect(text).toContain('lifeline_connections{transport="sse"} 1')
    expect(text).toMatch(/^lifeline_messages_in_total [1-9]\d*$/m)
    expect(text).toMatch(/^lifeline_messages_out_total [1-9]\d*$/m)
    expect(text).toContain('lifeline_errors_total{code="FORBIDDEN"} 1\n')
    expect(text).toContain('lifeline_errors_total{code="UNAUTHORIZED"} 1\n')
  })
})
