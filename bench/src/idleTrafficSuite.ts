import { RealtimeClient, type TransportName } from '@lifeline/client'
import { createServer } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import WebSocket from 'ws'
import { BENCH_CHANNEL, BENCH_JWT_SECRET } from './benchServer'
import { atMostExact, type BenchSection } from './benchSection'
import { fixed, markdownTable } from './markdownTable'
import type { Profile } from './profile'
import { sleep } from './stats'

/** When each thing crossed one idle connection (performance.now() ms), as the client saw it. */
interface IdleLog {
  /** Protocol frames the client sent (its `logger` sees each: `'out'`). */
  up: number[]
  /** Protocol frames the client received (`'in'`). */
  down: number[]
  /** WebSocket-level pings from the server, each answered by a pong the `ws` package sends. */
  controlPings: number[]
  httpRequests: number[]
}

/**
 * Events per 10 s in `[from, to]`: the steady rate, from the first event to the last, when there
 * are two or more (a count over the window would be one off whenever a periodic frame falls just
 * outside it: ten pings 9 s apart span 81 s, not 90); else the count over the window.
 */
function per10s(times: number[], from: number, to: number): number {
  const inside = times.filter((time) => time >= from && time <= to)
  if (inside.length < 2) return (inside.length * 10_000) / (to - from)
  return ((inside.length - 1) * 10_000) / (inside[inside.length - 1]! - inside[0]!)
}

const TRANSPORTS: TransportName[] = ['websocket', 'sse', 'long-polling']
/** Idle traffic goal: at most this many frames per 10 s in each direction. */
const GOAL_PER_10_S = 1
/** Bound on connecting and subscribing before the idle window starts. */
const SETUP_TIMEOUT_MS = 15_000

/**
 * One client per transport, subscribed to a channel on which nothing is published, left idle with
 * default options on both sides: what keeping the connection alive costs. `subscribed` settles once
 * the channel is; the caller disconnects the client whether it did or not.
 */
function idleClient(url: string, token: string, transport: TransportName) {
  const log: IdleLog = { up: [], down: [], controlPings: [], httpRequests: [] }
  class CountingWebSocket extends WebSocket {
    constructor(address: string) {
      super(address)
      this.on('ping', () => log.controlPings.push(performance.now()))
    }
  }
  const client = new RealtimeClient({
    url,
    transports: [transport],
    WebSocket: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
    fetch: (input, init) => (log.httpRequests.push(performance.now()), fetch(input, init)),
    getToken: () => token,
    storage: null,
    logger: (message) => (message === 'out' ? log.up : message === 'in' ? log.down : undefined)?.push(performance.now()),
  })
  const channel = client.channel(BENCH_CHANNEL)
  channel.subscribe()
  client.connect()
  const subscribed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (stop(), reject(new Error(`${transport}: not subscribed within ${SETUP_TIMEOUT_MS} ms`))), SETUP_TIMEOUT_MS)
    const stop = channel.onState(({ status }) => status === 'subscribed' && (clearTimeout(timer), stop(), resolve()))
  })
  return { client, log, subscribed }
}

/** Frames per 10 s of an idle connection, in each direction, per transport. */
export async function runIdleTrafficSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET })
  const failures: string[] = []
  const rows: string[][] = []
  const goals: BenchSection['goals'] = []
  const clients = TRANSPORTS.map((transport) => idleClient(server.url, token, transport))
  try {
    await Promise.all(clients.map(({ subscribed }) => subscribed))
    const startedAt = performance.now()
    await sleep(profile.idleTrafficSeconds * 1000)
    const endedAt = performance.now()
    clients.forEach(({ client, log: traffic }, index) => {
      const transport = TRANSPORTS[index]!
      const rate = (times: number[]) => per10s(times, startedAt, endedAt)
      // Requests come in pairs (a long poll is sent again right after each answer), so they are counted over the window.
      const requests = (traffic.httpRequests.filter((time) => time >= startedAt).length * 10_000) / (endedAt - startedAt)
      const reconnects = client.stats().reconnects
      if (reconnects) failures.push(`idle traffic, ${transport}: ${reconnects} reconnects while idle`)
      // A control ping goes down and its pong up.
      const toServer = rate([...traffic.up, ...traffic.controlPings].sort((a, b) => a - b))
      const toClient = rate([...traffic.down, ...traffic.controlPings].sort((a, b) => a - b))
      log(`idle traffic: ${transport}: ${fixed(toServer, 2)} up, ${fixed(toClient, 2)} down, ${fixed(requests, 2)} HTTP requests per 10 s`)
      rows.push([transport, fixed(rate(traffic.up), 2), fixed(rate(traffic.down), 2), fixed(rate(traffic.controlPings), 2), transport === 'websocket' ? 'none' : fixed(requests, 2)])
      if (transport !== 'long-polling') {
        const worst = Math.max(toServer, toClient)
        goals.push({
          goal: `Idle traffic per ${transport === 'sse' ? 'SSE' : 'WebSocket'} connection, default options, per direction`,
          target: `≤ ${GOAL_PER_10_S} frame per 10 s`,
          measured: `${fixed(toServer, 2)} up, ${fixed(toClient, 2)} down`,
          verdict: atMostExact(worst, GOAL_PER_10_S),
        })
      }
    })
  } catch (error) {
    failures.push(`idle traffic: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    for (const { client } of clients) client.disconnect()
    await server.close()
  }
  return {
    title: 'Idle traffic',
    markdown: [
      `One \`RealtimeClient\` per transport in Node, each subscribed to a channel on which nothing is published, against the mock server in the benchmark process, both with default options (the client's \`livenessMs\` 10 s, the server's \`heartbeatMs\` 25 s), left idle for ${profile.idleTrafficSeconds} s after subscribing. Frames are counted per 10 s from the first to the last of each kind in that window (the steady rate; a plain count over the window is one off whenever a periodic frame falls just outside it); HTTP requests, which come in pairs, over the whole window. *Frames up/down* are protocol frames (what the client's \`logger\` sees as \`out\` / \`in\`); *control pings* are WebSocket-level pings from the server, each answered by a pong, so they count once in each direction; over SSE and long-polling the client's frames go up as HTTP requests, and long-polling also holds one poll open at a time, which the server answers empty after \`pollMs\` (20 s) when nothing happened.`,
      '',
      'Why not below 1: to find a silent link within `livenessMs` the client must hear from the server more often than every `livenessMs`, so with nothing published it pings a link that has been quiet for `livenessMs` minus a reply allowance (four round trips, at least 1 s) and declares it dead at `livenessMs`; on a quiet link that is one ping and one reply about every 9 s. The server skips its own heartbeat while the client sends, so that is all there is.',
      '',
      markdownTable(['Transport', 'Frames up', 'Frames down', 'Control pings', 'HTTP requests'], rows),
    ].join('\n'),
    goals,
    failures,
  }
}
