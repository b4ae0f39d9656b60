import { RealtimeClient, type TransportName } from '@lifeline/client'
import { createServer } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import WebSocket from 'ws'
import { BENCH_CHANNEL, BENCH_JWT_SECRET } from './benchServer'
import { atMostExact, type BenchSection } from './benchSection'
import { fixed, markdownTable } from './markdownTable'
import type { Profile } from './profile'

/** What crossed one idle connection, counted by the client: protocol frames, WebSocket control frames, HTTP requests. */
interface IdleCounts {
  framesIn: number
  framesOut: number
  /** WebSocket-level pings from the server (each answered by a pong the `ws` package sends). */
  controlPings: number
  httpRequests: number
}

const TRANSPORTS: TransportName[] = ['websocket', 'sse', 'long-polling']
/** Idle traffic goal: at most this many frames per 10 s in each direction. */
const GOAL_PER_10_S = 1
/** Bound on connecting and subscribing before the idle window starts. */
const SETUP_TIMEOUT_MS = 15_000

/**
 * One client per transport, subscribed to a channel on which nothing is published, left idle with
 * default options on both sides: what keeping the connection alive costs.
 */
async function idleClient(url: string, token: string, transport: TransportName) {
  const counts: IdleCounts = { framesIn: 0, framesOut: 0, controlPings: 0, httpRequests: 0 }
  class CountingWebSocket extends WebSocket {
    constructor(address: string) {
      super(address)
      this.on('ping', () => (counts.controlPings += 1))
    }
  }
  const client = new RealtimeClient({
    url,
    transports: [transport],
    WebSocket: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
    fetch: (input, init) => ((counts.httpRequests += 1), fetch(input, init)),
    getToken: () => token,
    storage: null,
  })
  const channel = client.channel(BENCH_CHANNEL)
  channel.subscribe()
  client.connect()
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${transport}: not subscribed within ${SETUP_TIMEOUT_MS} ms`)), SETUP_TIMEOUT_MS)
    const check = () => channel.state.status === 'subscribed' && (clearTimeout(timer), resolve())
    channel.onState(check)
    check()
  })
  const read = (): IdleCounts => ({ ...counts, framesIn: client.stats().framesIn, framesOut: client.stats().framesOut })
  return { client, read }
}

/** Frames per 10 s of an idle connection, in each direction, per transport. */
export async function runIdleTrafficSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET })
  const failures: string[] = []
  const rows: string[][] = []
  const goals: BenchSection['goals'] = []
  try {
    const clients = await Promise.all(TRANSPORTS.map((transport) => idleClient(server.url, token, transport)))
    const before = clients.map(({ read }) => read())
    const startedAt = performance.now()
    await new Promise((resolve) => setTimeout(resolve, profile.idleTrafficSeconds * 1000))
    const tens = (performance.now() - startedAt) / 10_000
    clients.forEach(({ client, read }, index) => {
      const transport = TRANSPORTS[index]!
      const [start, end] = [before[index]!, read()]
      const delta = (key: keyof IdleCounts) => (end[key] - start[key]) / tens
      const reconnects = client.stats().reconnects
      if (reconnects) failures.push(`idle traffic, ${transport}: ${reconnects} reconnects while idle`)
      const toServer = delta('framesOut') + delta('controlPings')
      const toClient = delta('framesIn') + delta('controlPings')
      log(`idle traffic: ${transport}: ${fixed(toServer, 2)} up, ${fixed(toClient, 2)} down, ${fixed(delta('httpRequests'), 2)} HTTP requests per 10 s`)
      rows.push([transport, fixed(delta('framesOut'), 2), fixed(delta('framesIn'), 2), fixed(delta('controlPings'), 2), transport === 'websocket' ? 'none' : fixed(delta('httpRequests'), 2)])
      if (transport !== 'long-polling') {
        const worst = Math.max(toServer, toClient)
        goals.push({
          goal: `Idle traffic per ${transport === 'sse' ? 'SSE' : 'WebSocket'} connection, default options, per direction`,
          target: `≤ ${GOAL_PER_10_S} frame per 10 s`,
          measured: `${fixed(toServer, 2)} up, ${fixed(toClient, 2)} down`,
          verdict: atMostExact(worst, GOAL_PER_10_S),
        })
      }
      client.disconnect()
    })
  } catch (error) {
    failures.push(`idle traffic: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await server.close()
  }
  return {
    title: 'Idle traffic',
    markdown: [
      `One \`RealtimeClient\` per transport in Node, each subscribed to a channel on which nothing is published, against the mock server in the benchmark process, both with default options (the client's \`livenessMs\` 10 s, the server's \`heartbeatMs\` 25 s), left idle for ${profile.idleTrafficSeconds} s after subscribing. Counts are per 10 s. *Frames up/down* are protocol frames (\`stats().framesOut\` / \`framesIn\`); *control pings* are WebSocket-level pings from the server, each answered by a pong, so they count once in each direction; over SSE and long-polling the client's frames go up as HTTP requests, and long-polling also holds one poll open at a time, which the server answers empty after \`pollMs\` (20 s) when nothing happened.`,
      '',
      'Why not below 1: to find a silent link within `livenessMs` the client must hear from the server more often than every `livenessMs`, so with nothing published it pings a link that has been quiet for `livenessMs` minus a reply allowance (four round trips, at least 1 s) and declares it dead at `livenessMs`; on a quiet link that is one ping and one reply about every 9 s. The server skips its own heartbeat while the client sends, so that is all there is.',
      '',
      markdownTable(['Transport', 'Frames up', 'Frames down', 'Control pings', 'HTTP requests'], rows),
    ].join('\n'),
    goals,
    failures,
  }
}
