import { once } from 'node:events'
import { connect } from 'node:net'
import { createFaultProxy, createServer } from '@lifeline/mock-server'
import { expect, it } from 'vitest'

it('close() ends every connection, also one that has sent nothing yet and one held silent, while the server runs on', async () => {
  const server = await createServer({ port: 0 })
  try {
    const proxy = await createFaultProxy({ target: server.url })
    proxy.upgrades = 'silent'
    const idle = connect(proxy.port, '127.0.0.1')
    const silent = connect(proxy.port, '127.0.0.1')
    await Promise.all([once(idle, 'connect'), once(silent, 'connect')])
    silent.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    await once(silent, 'data') // the 101 of an upgrade that will never pass a byte
    const closed = Promise.all([once(idle, 'close'), once(silent, 'close')])
    await proxy.close()
    await closed
    expect([idle.destroyed, silent.destroyed]).toEqual([true, true])
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  } finally {
    await server.close()
  }
})
