import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../src/cliMain'

const CONFIG = fileURLToPath(new URL('../examples/conformance.json', import.meta.url))

/** A loopback URL nothing listens on: a port the system gave out and took back. */
async function refusingUrl(): Promise<string> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

describe('lifeline-conformance against a server that is not there', () => {
  it('fails every core case on WebSocket with the refused connection, and exits 1 instead of crashing', async () => {
    const url = await refusingUrl()
    let out = ''
    const code = await runCli(['--url', url, '--config', CONFIG, '--level', 'core', '--transport', 'websocket'], { out: (text) => (out += `${text}\n`), err: (text) => (out += `${text}\n`) })
    expect(code).toBe(1)
    expect(out).toMatch(/ws:\/\/127\.0\.0\.1:\d+\/ws closed with 1006 \(connect ECONNREFUSED 127\.0\.0\.1:\d+\) before it opened/)
    expect(out).toMatch(/ECONNREFUSED/)
    expect(out).not.toMatch(/passed: [1-9]/)
  }, 60_000)
})
