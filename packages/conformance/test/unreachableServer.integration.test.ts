import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cliMain'
import type { ConformanceReport } from '../src/index'

const EXAMPLE = fileURLToPath(new URL('../examples/conformance.json', import.meta.url))

let dir: string
const cleanups: (() => Promise<unknown>)[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-conformance-down-'))
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
  await rm(dir, { recursive: true, force: true })
})

async function listening<T extends Server | ReturnType<typeof createNetServer>>(server: T): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A loopback URL nothing listens on: a port the system gave out and took back. */
async function refusingUrl(): Promise<string> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/** The example config with short HTTP waits, so a server that never answers costs one short wait. */
async function config(): Promise<string> {
  const path = join(dir, 'conformance.json')
  const example = JSON.parse(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>
  await writeFile(path, JSON.stringify({ ...example, timeouts: { httpMs: 300, replyMs: 300 } }))
  return path
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const code = await runCli(args, { out: (text) => (out += `${text}\n`), err: (text) => (out += `${text}\n`) })
  return { code, out }
}

describe('lifeline-conformance against a server that is not there', () => {
  it('fails every case with the refused connection, in one wait, exits 1 and writes the JSON report', async () => {
    const json = join(dir, 'report.json')
    const run = await cli(['--url', await refusingUrl(), '--config', await config(), '--json', json])
    expect(run.code).toBe(1)
    expect(run.out).toMatch(/failure: {2}not run: the server did not answer: GET http:\/\/127\.0\.0\.1:\d+\/healthz failed: fetch failed \(connect ECONNREFUSED/)
    const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport
    expect(report.ok).toBe(false)
    expect(report.summary.passed).toBe(0)
    expect(report.summary.failed).toBe(report.results.filter((result) => result.level !== 'multi-replica').length)
  })

  it('fails every case, in one wait, on a server that accepts connections and never answers', async () => {
    const sockets: Socket[] = []
    const url = await listening(createNetServer((socket) => sockets.push(socket)))
    cleanups.unshift(async () => sockets.forEach((socket) => socket.destroy()))
    const run = await cli(['--url', url, '--config', await config(), '--level', 'core'])
    expect(run.code).toBe(1)
    expect(run.out).toContain(`not run: the server did not answer: GET ${url}/healthz got no answer within 300 ms (timeouts.httpMs)`)
    expect(run.out).toMatch(/FAILED: 0 passed, \d+ failed, 0 not applicable/)
  })

  it('fails a WebSocket case with the reason when the server answers HTTP but drops the upgrade, instead of crashing', async () => {
    const server = createHttpServer((_request, response) => response.writeHead(404).end())
    server.on('upgrade', (_request, socket: Socket) => socket.destroy())
    const url = await listening(server)
    const run = await cli(['--url', url, '--config', await config(), '--case', 'handshake', '--transport', 'websocket'])
    expect(run.code).toBe(1)
    expect(run.out).toMatch(/WebSocket ws:\/\/127\.0\.0\.1:\d+\/ws closed with 1006 \(socket hang up\) before it opened/)
  })
})
