import { ROUTES } from '@lifeline/protocol'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, request } from '@lifeline/testkit/raw'
import { createMswHandlers } from '../../src/msw/index'
import { startServer, useIntegrationHooks } from '../server/support'
import { HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

const ALLOWED = 'https://app.example'

describe.each(HOSTS)('the routes of the %s host', (kind) => {
  it('answers a wrong method on every protocol path with 405 METHOD_NOT_ALLOWED and an allow header', async () => {
    const host = await startHost(kind)
    for (const { path, methods } of Object.values(ROUTES)) {
      const wrong = (methods as readonly string[]).includes('GET') ? 'PUT' : 'GET'
      const answer = await request(host, path, { method: wrong })
      expect([answer.status, answer.body.error?.code, answer.headers.get('allow')], `${wrong} ${path}`).toEqual([405, 'METHOD_NOT_ALLOWED', methods.join(', ')])
    }
  })

  it('answers a plain GET of the WebSocket path with a pointed 400', async () => {
    const host = await startHost(kind)
    const answer = await request(host, '/ws')
    expect([answer.status, answer.body.error.code]).toEqual([400, 'BAD_REQUEST'])
    expect(answer.body.error.message).toContain('Upgrade: websocket')
  })

  it("answers a preflight with the route's methods and the headers the client sends, for an allowed origin", async () => {
    const host = await startHost(kind, { allowedOrigins: [ALLOWED] })
    const preflight = await request(host, '/poll', { method: 'OPTIONS', headers: { origin: ALLOWED } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type, lifeline-session')
    const health = await request(host, '/healthz', { headers: { origin: ALLOWED } })
    expect(health.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    const refused = await request(host, '/poll/connect', { method: 'POST', headers: { origin: 'https://evil.example' }, body: '{}' })
    expect([refused.status, refused.body.error.code]).toEqual([403, 'ORIGIN_NOT_ALLOWED'])
  })
})

describe('paths outside the protocol', () => {
  it('get 404 NOT_FOUND from the Node server, naming the paths it serves', async () => {
    const server = await startServer()
    const answer = await request(server, '/nope')
    expect([answer.status, answer.body.error.code]).toEqual([404, 'NOT_FOUND'])
    expect(answer.body.error.message).toContain('/poll/connect')
  })

  it("fall through the MSW handlers to the app's own handlers on the same origin", async () => {
    const mock = createMswHandlers({ url: 'http://app.test' })
    const network = setupServer(...mock.handlers, http.get('http://app.test/api/user', () => HttpResponse.json({ name: 'ada' })))
    network.listen({ onUnhandledRequest: 'error' })
    closeAfterTest(async () => {
      await mock.close()
      network.close()
    })
    expect(await (await fetch('http://app.test/api/user')).json()).toEqual({ name: 'ada' })
    expect((await fetch('http://app.test/healthz')).status).toBe(200)
  })

  it('leave the routes of transports the MSW handlers do not mock to the other handlers', async () => {
    const mock = createMswHandlers({ url: 'http://app.test', transports: ['websocket', 'sse'] })
    const network = setupServer(...mock.handlers, http.post('http://app.test/poll', () => HttpResponse.text('mine')))
    network.listen({ onUnhandledRequest: 'error' })
    closeAfterTest(async () => {
      await mock.close()
      network.close()
    })
    expect(await (await fetch('http://app.test/poll', { method: 'POST', body: '{}' })).text()).toBe('mine')
  })
})
