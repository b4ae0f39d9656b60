import { describe, expect, it } from 'vitest'
import { closeAfterTest, request, WsClient } from '@lifeline/testkit/raw'
import { createFaultProxy } from '../../src/index'
import { listeningUrl, runCli } from './runCli'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

// On the IPv6 loopback only: the tests never listen on every interface.
describe('a server on an IPv6 host', () => {
  it('has a server.url with the address in brackets, which clients reach', async () => {
    const server = await startServer({ host: '::1' })
    expect(server.url).toBe(`http://[::1]:${server.port}`)
    expect((await request(server, '/healthz')).status).toBe(200)
    const client = await WsClient.connect(server, await mintToken('ada'))
    expect((await client.command('ping', {})).ok).toBe(true)
  })

  it('has a fault proxy in front of it whose url has the address in brackets, and which reaches it', async () => {
    const server = await startServer({ host: '::1' })
    const proxy = await createFaultProxy({ target: server.url, host: '::1' })
    closeAfterTest(() => proxy.close())
    expect(proxy.url).toBe(`http://[::1]:${proxy.port}`)
    expect((await request(proxy, '/healthz')).status).toBe(200)
  })

  it('prints a URL with the address in brackets from --host ::1, HOST=::1 and --host [::1], and serves there', async () => {
    const runs = [runCli(['--port', '0', '--host', '::1']), runCli(['--port', '0'], { HOST: '::1' }), runCli(['--port', '0', '--host', '[::1]'])]
    for (const run of runs) {
      const url = await listeningUrl(run)
      expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/)
      expect(run.stdout()).toContain(`(WebSocket ${url.replace('http', 'ws')}/ws, SSE ${url}/sse)`)
      expect((await request({ url }, '/healthz')).status).toBe(200)
    }
  })
})
