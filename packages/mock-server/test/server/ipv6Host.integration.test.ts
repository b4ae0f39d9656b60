import { networkInterfaces } from 'node:os'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, request, WsClient } from '@lifeline/testkit/raw'
import { createFaultProxy } from '../../src/index'
import { listeningUrl, runCli } from './runCli'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

/** Some machines (containers) run without IPv6: there a server on ::1 must fail to start, saying why. */
const ipv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'))
const NO_IPV6 = /^(EADDRNOTAVAIL|EAFNOSUPPORT)$/

// On the IPv6 loopback only: the tests never listen on every interface.
describe('a server on an IPv6 host', () => {
  it('has a server.url with the address in brackets, which clients reach (without IPv6: fails to start with the reason)', async () => {
    if (!ipv6Loopback) return expect(startServer({ host: '::1' })).rejects.toMatchObject({ code: expect.stringMatching(NO_IPV6) })
    const server = await startServer({ host: '::1' })
    expect(server.url).toBe(`http://[::1]:${server.port}`)
    expect((await request(server, '/healthz')).status).toBe(200)
    const client = await WsClient.connect(server, await mintToken('ada'))
    expect((await client.command('ping', {})).ok).toBe(true)
  })

  it('has a fault proxy in front of it whose url has the address in brackets, and which reaches it (without IPv6: fails to start)', async () => {
    const target = ipv6Loopback ? (await startServer({ host: '::1' })).url : 'http://127.0.0.1:1'
    const starting = createFaultProxy({ target, host: '::1' })
    if (!ipv6Loopback) return expect(starting).rejects.toMatchObject({ code: expect.stringMatching(NO_IPV6) })
    const proxy = await starting
    closeAfterTest(() => proxy.close())
    expect(proxy.url).toBe(`http://[::1]:${proxy.port}`)
    expect((await request(proxy, '/healthz')).status).toBe(200)
  })

  it('prints a URL with the address in brackets from --host ::1, HOST=::1 and --host [::1], and serves there (without IPv6: one line saying what to change)', async () => {
    const runs = [runCli(['--port', '0', '--host', '::1']), runCli(['--port', '0'], { HOST: '::1' }), runCli(['--port', '0', '--host', '[::1]'])]
    for (const run of runs) {
      if (!ipv6Loopback) {
        expect(await run.exited).toBe(1)
        expect(run.stderr().trim()).toMatch(/^Cannot listen on host "::1" \((EADDRNOTAVAIL|EAFNOSUPPORT)\): give an address of this machine with --host[^\n]*$/)
        continue
      }
      const url = await listeningUrl(run)
      expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/)
      expect(run.stdout()).toContain(`(WebSocket ${url.replace('http', 'ws')}/ws, SSE ${url}/sse)`)
      expect((await request({ url }, '/healthz')).status).toBe(200)
    }
  })
})
