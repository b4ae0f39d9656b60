// Interop check: the real @lifeline/client (built dist) against the Django Channels server.
//
//   pnpm --filter @lifeline/client build
//   node servers/django/interop/interop.mjs
//
// Starts its own redis-server and two daphne processes (free ports, stopped by pid at the end),
// connects one client over WebSocket to the first process, one over SSE to the second and one over
// long-polling to the first, has all three publish, and checks that each receives every message
// once, in order, with offsets 1..n. Then the SSE client reconnects after missing messages and must
// recover them (no gap, no repeat).
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const serverDir = resolve(here, '..')
const clientDir = resolve(here, '../../../packages/client')
const require = createRequire(resolve(clientDir, 'package.json'))
const { WebSocket } = require('ws')
const { EventSource } = require('eventsource')
const clientEntry = resolve(clientDir, 'dist/index.js')
if (!existsSync(clientEntry)) {
  console.error(`[interop] ${clientEntry} is missing: run \`pnpm --filter @lifeline/client build\` first`)
  process.exit(2)
}
const { RealtimeClient } = await import(clientEntry)

const SECRET = 'interop-secret'
const COUNT = 30
const DEADLINE_MS = 60_000
const children = []

function log(line) {
  console.log(`[interop] ${line}`)
}

function freePort() {
  return new Promise((done) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => done(port))
    })
  })
}

/** Spawns a process and resolves with the first match of `pattern` in its output. */
function start(command, args, options, pattern, what) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  children.push(child)
  let output = ''
  return new Promise((done, fail) => {
    const onData = (chunk) => {
      output += chunk
      const match = pattern.exec(output)
      if (match) done(match)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code}:\n${output}`)))
  })
}

function token(sub, ttlSeconds = 3600) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, roles: [], iat: now, exp: now + ttlSeconds })}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}

/** Resolves once `condition()` holds, checked on every received message; rejects at the deadline. */
function until(condition, what, waiters) {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${what}`)), 20_000)
    const check = () => {
      if (!condition()) return
      clearTimeout(timer)
      waiters.delete(check)
      done()
    }
    waiters.add(check)
    check()
  })
}

function expectSequence(name, seen, from, to) {
  const offsets = seen.map((message) => message.offset)
  const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i)
  if (JSON.stringify(offsets) !== JSON.stringify(expected)) throw new Error(`${name} got offsets ${offsets.join(',')}, expected ${from}..${to}`)
  const ns = seen.map((message) => message.n)
  if (JSON.stringify(ns) !== JSON.stringify(expected)) throw new Error(`${name} got n ${ns.join(',')}, expected ${from}..${to}`)
}

function client(url, transport, sub) {
  return new RealtimeClient({ url, transports: [transport], WebSocket, EventSource, storage: null, getToken: async () => token(sub) })
}

async function main() {
  const redisPort = await freePort()
  await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, /Ready to accept connections/, 'redis-server')
  const env = {
    ...process.env,
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    LIFELINE_JWT_SECRET: SECRET,
    PYTHONPATH: `${serverDir}:${resolve(serverDir, 'example')}`,
    DJANGO_SETTINGS_MODULE: 'example_project.settings',
  }
  const urls = []
  for (let i = 0; i < 2; i++) {
    const match = await start('/usr/bin/python3', ['-m', 'daphne', '-b', '127.0.0.1', '-p', '0', 'example_project.asgi:application'], { cwd: resolve(serverDir, 'example'), env }, /Listening on TCP address 127\.0\.0\.1:(\d+)/, 'daphne')
    urls.push(`http://127.0.0.1:${match[1]}`)
  }
  log(`redis on ${redisPort}, daphne on ${urls.join(' and ')}`)

  const channelName = `board:interop-${Date.now()}`
  const waiters = new Set()
  const wake = () => [...waiters].forEach((check) => check())
  const overWs = client(urls[0], 'websocket', 'ada')
  const overSse = client(urls[1], 'sse', 'grace')
  const overPolling = client(urls[0], 'long-polling', 'linus')
  const clients = [['websocket', overWs], ['sse', overSse], ['long-polling', overPolling]]
  const seen = Object.fromEntries(clients.map(([name]) => [name, []]))
  const subscriptions = []
  for (const [name, realtime] of clients) {
    const board = realtime.channel(channelName)
    board.on('move', (data, meta) => {
      seen[name].push({ n: data.n, offset: meta.position.offset })
      wake()
    })
    board.onState(wake)
    subscriptions.push(board.subscribe())
    realtime.connect()
    await realtime.ready(10_000)
    const { transport } = realtime.getSnapshot()
    if (transport !== name) throw new Error(`expected transport ${name}, got ${transport}`)
    await until(() => board.state.status === 'subscribed', `${name} subscribed`, waiters)
  }
  log('three clients connected and subscribed (websocket, sse, long-polling)')

  for (let n = 1; n <= COUNT; n++) {
    const publisher = clients[n % 3][1]
    const result = await publisher.channel(channelName).publish('move', { n })
    if (result.position.offset !== n || result.duplicate) throw new Error(`publish ${n} answered ${JSON.stringify(result)}`)
  }
  await until(() => clients.every(([name]) => seen[name].length >= COUNT), 'every message on every client', waiters)
  for (const [name] of clients) expectSequence(`${name} client`, seen[name], 1, COUNT)
  log(`${COUNT} messages published over the three transports reached every client once, in order`)

  // Recovery: the SSE client goes away, misses messages, comes back and replays them from its position.
  overSse.disconnect()
  for (let n = COUNT + 1; n <= COUNT + 5; n++) await overWs.channel(channelName).publish('move', { n })
  let gaps = 0
  overSse.channel(channelName).onGap(() => (gaps += 1))
  overSse.connect()
  await overSse.ready(10_000)
  await until(() => seen.sse.length >= COUNT + 5 && seen.websocket.length >= COUNT + 5, 'the missed messages', waiters)
  expectSequence('sse client after reconnect', seen.sse, 1, COUNT + 5)
  expectSequence('websocket client', seen.websocket, 1, COUNT + 5)
  if (gaps !== 0) throw new Error(`the SSE client reported ${gaps} gap(s)`)
  log('the SSE client reconnected and recovered the 5 messages it missed (no gap, no repeat)')

  subscriptions.forEach((release) => release())
  for (const [, realtime] of clients) realtime.disconnect()
}

function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
}

const deadline = setTimeout(() => {
  console.error(`[interop] FAILED: no result within ${DEADLINE_MS} ms`)
  stopAll()
  process.exit(1)
}, DEADLINE_MS)

main().then(
  () => {
    clearTimeout(deadline)
    log('PASSED')
    stopAll()
    process.exit(0)
  },
  (error) => {
    clearTimeout(deadline)
    console.error('[interop] FAILED:', error)
    stopAll()
    process.exit(1)
  },
)
