import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, type MockServer } from '@lifeline/mock-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli, USAGE } from '../src/cliMain'
import { signHs256 } from '../src/jwt'
import { KIT_VERSION, type ConformanceReport } from '../src/index'
import { SECRET, serverOptions } from '../src/__tests__/support/testConfig'

const now = () => Math.floor(Date.now() / 1000)
const tokenFor = (sub: string, lifetime = 3600) => signHs256({ sub, iat: now(), exp: now() + lifetime }, SECRET)

let dir: string
let server: MockServer
let tokenEndpoint: Server

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-conformance-cli-'))
  server = await createServer({ port: 0, ...serverOptions() })
  // A backend's token endpoint: GET /token?sub=… answers {"token": …}.
  tokenEndpoint = createHttpServer((request, response) => {
    const sub = new URL(request.url ?? '/', 'http://x').searchParams.get('sub') ?? 'nobody'
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: tokenFor(sub) }))
  })
  await new Promise<void>((resolve) => tokenEndpoint.listen(0, '127.0.0.1', resolve))
})

afterEach(async () => {
  await server.close()
  await new Promise((resolve) => tokenEndpoint.close(resolve))
  await rm(dir, { recursive: true })
})

/** Runs the CLI in this process and collects what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(args, { out: (text) => (out += `${text}\n`), err: (text) => (err += `${text}\n`) })
  return { code, out, err }
}

/** A config file whose tokens come from a shell command (user A) and an HTTP endpoint (user B). */
async function configFile(extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, 'conformance.json')
  const port = (tokenEndpoint.address() as AddressInfo).port
  await writeFile(
    path,
    JSON.stringify({
      users: { a: { command: `printf %s ${tokenFor('conformance-a')}` }, b: { url: `http://127.0.0.1:${port}/token?sub=conformance-b` } },
      expiredToken: { token: signHs256({ sub: 'conformance-a', iat: now() - 7200, exp: now() - 3600 }, SECRET) },
      channels: { both: 'board:cli-{unique}', onlyA: 'user:conformance-a' },
      limits: { historySize: 20, maxFrameBytes: 4096, maxSubscriptions: 8, rateLimitBurst: 40, connectTimeoutMs: 500 },
      ...extra,
    }),
  )
  return path
}

describe('lifeline-conformance', () => {
  it('runs the chosen cases with tokens from a command and a URL, prints each, writes the JSON report and exits 0', async () => {
    const json = join(dir, 'report.json')
    const run = await cli(['--url', server.url, '--config', await configFile(), '--level', 'core', '--transport', 'websocket,sse', '--case', 'handshake,expired-token,forbidden-channel,refresh', '--json', json])
    expect(run.err).toBe('')
    expect(run.code).toBe(0)
    expect(run.out).toContain(`Lifeline conformance: ${server.url}\nlevels: core; transports: websocket, sse\n\ncore\n  pass  handshake [websocket]`)
    expect(run.out).toMatch(/PASSED: 8 passed, 0 failed, 0 not applicable \(\d+\.\d s\)/)
    const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport
    expect(report).toMatchObject({ kit: { name: '@lifeline/conformance', version: KIT_VERSION }, protocol: 1, url: server.url, levels: ['core'], transports: ['websocket', 'sse'], ok: true })
    expect(report.results.map((result) => [result.id, result.status])).toEqual([
      ['core/handshake [websocket]', 'passed'],
      ['core/handshake [sse]', 'passed'],
      ['core/expired-token [websocket]', 'passed'],
      ['core/expired-token [sse]', 'passed'],
      ['core/forbidden-channel [websocket]', 'passed'],
      ['core/forbidden-channel [sse]', 'passed'],
      ['core/refresh [websocket]', 'passed'],
      ['core/refresh [sse]', 'passed'],
    ])
  })

  it('exits 1 and prints the answer that broke a case when the config does not match the server', async () => {
    // The server keeps 20 messages per channel; the config claims 10.
    const run = await cli(['--url', server.url, '--config', await configFile({ limits: { historySize: 10 } }), '--case', 'recover-trimmed', '--transport', 'websocket'])
    expect(run.code).toBe(1)
    expect(run.out).toContain('  FAIL  recover-trimmed [websocket]')
    expect(run.out).toMatch(/failure: {2}A over websocket \(session s_\w+\): subscribe since \{"epoch":"\w+","offset":1\}, whose next message was trimmed \(12 published, history of 10\), answers recovered: false with the latest position/)
    expect(run.out).toMatch(/expected: \{"position":\{"epoch":"\w+","offset":12\},"recovered":false\} \(is limits.historySize 10 right\?\)\n {8}received: \{"position":\{"epoch":"\w+","offset":1\},"recovered":true\}/)
    expect(run.out).toMatch(/FAILED: 0 passed, 1 failed, 0 not applicable/)
  })

  it('says what is not applicable and why', async () => {
    const run = await cli(['--url', server.url, '--config', await configFile(), '--case', 'publish-api,cross-replica-delivery,unknown-path', '--not-applicable', 'unknown-path'])
    expect(run.code).toBe(0)
    expect(run.out).toContain('  n/a   publish-api: config.apiKey is not set')
    expect(run.out).toContain('  n/a   unknown-path: declared not applicable with --not-applicable')
    expect(run.out).toContain('  n/a   cross-replica-delivery: needs a second replica (--url2)')
  })

  it.each([
    [[], '--url is required'],
    [['--url', 'http://127.0.0.1:1'], '--config is required'],
    [['--url', 'http://127.0.0.1:1', '--config', 'x.json', '--level', 'core,extreme'], '"levels" must list some of core, recovery, presence, limits, multi-replica; got ["core","extreme"]'],
    [['--url', 'http://127.0.0.1:1', '--config', 'x.json', '--case', 'handshak'], 'unknown case handshak; cases are: handshake,'],
    [['--url', '127.0.0.1:8000', '--config', 'x.json'], '"url" must be a server\'s base URL like http://127.0.0.1:8000, got "127.0.0.1:8000"'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
  ])('exits 2 with the usage on a bad command line (%#)', async (args, message) => {
    const run = await cli(args)
    expect(run.code).toBe(2)
    expect(run.err).toContain(message)
    expect(run.err).toContain(USAGE)
  })

  it('exits 2 on a config error, naming the file and the setting', async () => {
    const path = join(dir, 'broken.json')
    await writeFile(path, JSON.stringify({ users: { a: { token: 'x' }, b: { command: 'exit 3' } }, channels: { both: 'b:{unique}', onlyA: 'a' } }))
    const run = await cli(['--url', server.url, '--config', path])
    expect(run.code).toBe(2)
    expect(run.err).toBe('Config error: config.users.b.command "exit 3" failed (exit 3): \n')
    const unreadable = await cli(['--url', server.url, '--config', join(dir, 'missing.json')])
    expect(unreadable.code).toBe(2)
    expect(unreadable.err).toMatch(/^Config error: cannot read the config file .*missing\.json/)
  })

  it('lists the cases', async () => {
    const run = await cli(['--list'])
    expect(run.code).toBe(0)
    expect(run.out).toMatch(/^core {10}handshake {16}connect answers/m)
    expect(run.out).toMatch(/^multi-replica cross-replica-poll {7}polls sent to replica 2 .* \[long-polling\]$/m)
  })
})

describe('the published package', () => {
  const root = fileURLToPath(new URL('..', import.meta.url))

  it('has the version the kit reports', () => {
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version).toBe(KIT_VERSION)
  })

  it('runs from its bin stub once built', () => {
    expect(existsSync(join(root, 'dist/cli.js')), 'packages/conformance/dist/cli.js is missing: run `pnpm build` first').toBe(true)
    const run = spawnSync(process.execPath, [join(root, 'bin/lifeline-conformance.js'), '--version'], { encoding: 'utf8' })
    expect(run.stdout.trim()).toBe(KIT_VERSION)
    expect(run.status).toBe(0)
  })
})
