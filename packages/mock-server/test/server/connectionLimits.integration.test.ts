import { createServer as createHttpServer } from 'node:http'
import { connect as connectTcp, type AddressInfo } from 'node:net'
import { CloseCode, type ServerFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { closeAfterTest, request } from '@lifeline/testkit/raw'
import { ProtocolEngine } from '../../src/engine/index'
import { readBody } from '../../src/readBody'
import { useIntegrationHooks } from './support'

useIntegrationHooks()

describe('connections per address', () => {
  /** An outlet that records what the engine sends and how it closes it. */
  function recordingLink() {
    const frames: ServerFrame[] = []
    const outlet = { transport: 'websocket' as const, closedWith: undefined as number | undefined, send: (text: string) => void frames.push(JSON.parse(text) as ServerFrame), bufferedBytes: () => 0, close: (code: number) => void (outlet.closedWith = code) }
    return { outlet, frames }
  }

  it('closes a connection over maxConnectionsPerIp with 4002 and retry advice, counts each address apart, frees a place on close, and does not count loopback', async () => {
    const engine = new ProtocolEngine({ maxConnectionsPerIp: 2, log: () => {} })
    const from = (peer: string) => {
      const recording = recordingLink()
      return { session: engine.acceptWebSocket(recording.outlet, peer), ...recording }
    }
    const [first, second] = [from('203.0.113.7'), from('203.0.113.7')]
    const third = from('203.0.113.7')
    expect([first.session.status, second.session.status, third.session.status]).toEqual(['connecting', 'connecting', 'closed'])
    expect(third.outlet.closedWith).toBe(CloseCode.RATE_LIMITED)
    expect(third.frames).toEqual([{ type: 'disconnect', code: CloseCode.RATE_LIMITED, reason: expect.any(String), retryAfterMs: expect.any(Number) }])
    expect(from('198.51.100.1').session.status).toBe('connecting')
    first.session.closed()
    expect(from('203.0.113.7').session.status).toBe('connecting')
    // A reverse proxy on the same host shows every user as loopback: not capped here.
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.0.1']) expect(from(peer).session.status).toBe('connecting')
    expect(engine.metricsText()).toContain('lifeline_errors_total{code="RATE_LIMITED"} 1')
    await engine.close()
  })
})

describe('request body timeout', () => {
  it('cuts a request whose body does not arrive in time, and reads a whole one', async () => {
    const outcomes: string[] = []
    const http = createHttpServer((request, response) => {
      readBody(request, 1024, 200).then(
        (text) => response.end(`read ${text}`),
        (error: Error) => outcomes.push(error.name),
      )
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    closeAfterTest(() => new Promise((resolve) => http.close(resolve)))
    const { port } = http.address() as AddressInfo
    const cut = await new Promise<string>((resolve) => {
      const socket = connectTcp(port, '127.0.0.1', () => socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"id":1'))
      let answer = ''
      socket.on('data', (chunk) => (answer += chunk.toString()))
      socket.on('close', () => resolve(answer))
    })
    expect(cut).toBe('')
    expect(outcomes).toEqual(['BodyTimeoutError'])
    expect(await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{"id":2}' })).text()).toBe('read {"id":2}')
  })
})
