import { RealtimeClient, type TransportName } from '@lifeline/client'
import { createServer, type Faults, type MockServer } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import WebSocket from 'ws'
import { AnnouncingBroker } from './announcingBroker'
import { BENCH_CHANNEL, BENCH_JWT_SECRET } from './benchServer'
import type { BenchSection } from './benchSection'
import { fixed, markdownTable } from './markdownTable'
import type { Profile } from './profile'
import { spreadOf } from './spread'

interface FallbackCase {
  label: string
  faults: Partial<Faults>
  transports?: TransportName[]
  /** The transport the first message must arrive over. */
  endsOn: TransportName
}

const CASES: FallbackCase[] = [
  { label: 'WebSocket works (baseline)', faults: {}, endsOn: 'websocket' },
  { label: 'WebSocket refused (503 on upgrade) → SSE', faults: { refuseWebSocket: true }, endsOn: 'sse' },
  { label: 'Upgrade accepted, then silent → SSE', faults: { silenceWebSocket: true }, endsOn: 'sse' },
  { label: 'WebSocket refused, SSE buffered → long-polling', faults: { refuseWebSocket: true, bufferSse: true }, endsOn: 'long-polling' },
  { label: 'SSE only (`transports: ["sse"]`, reference)', faults: {}, transports: ['sse'], endsOn: 'sse' },
]

/** Hard bound on one run: past the connect timeout and a fallback's handshake. */
const RUN_TIMEOUT_MS = 30_000

/** Milliseconds from `connect()` to the first channel message, and the transport it came over. */
async function timeToFirstMessage(server: MockServer, token: string, transports: TransportName[] | undefined): Promise<{ ms: number; transport: string }> {
  const client = new RealtimeClient({
    url: server.url,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: EventSource as unknown as typeof globalThis.EventSource,
    getToken: () => token,
    storage: null,
    ...(transports ? { transports } : {}),
  })
  const channel = client.channel(BENCH_CHANNEL)
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS)
      let started = 0
      channel.on('hello', () => {
        clearTimeout(timer)
        resolve({ ms: performance.now() - started, transport: client.getSnapshot().transport ?? '?' })
      })
      channel.subscribe()
      started = performance.now()
      client.connect()
    })
  } finally {
    client.disconnect()
  }
}

/** `connect()` to the first message in Node, straight to the mock server (no proxy), per fault. */
export async function runFallbackSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const rows: string[][] = []
  const failures: string[] = []
  let baseline = Number.NaN
  // One untimed run first, so the first measured case does not pay for JIT warm-up alone.
  const warmUp = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, broker: new AnnouncingBroker() })
  await timeToFirstMessage(warmUp, token, undefined).finally(() => warmUp.close())
  for (const fallbackCase of CASES) {
    const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, broker: new AnnouncingBroker() })
    Object.assign(server.faults, fallbackCase.faults)
    const times: number[] = []
    const transports = new Set<string>()
    try {
      for (let run = 0; run < profile.fallbackRuns; run++) {
        const result = await timeToFirstMessage(server, token, fallbackCase.transports)
        times.push(result.ms)
        transports.add(result.transport)
      }
    } catch (error) {
      failures.push(`fallback, ${fallbackCase.label}: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      await server.close()
    }
    if ([...transports].some((transport) => transport !== fallbackCase.endsOn)) failures.push(`fallback, ${fallbackCase.label}: ended on ${[...transports].join(', ')}, not ${fallbackCase.endsOn}`)
    log(`fallback: ${fallbackCase.label}: ${times.map((ms) => ms.toFixed(1)).join(', ')} ms`)
    const spread = spreadOf(times)
    if (fallbackCase === CASES[0]) baseline = spread.median
    rows.push([fallbackCase.label, String(times.length), [...transports].join(', ') || 'n/a', fixed(spread.median, 1), fixed(spread.min, 1), fixed(spread.max, 1), fixed(spread.median - baseline, 1)])
  }
  return {
    title: 'Fallback time (Node, no proxy)',
    markdown: [
      'From `client.connect()` to the first message on a channel subscribed before connecting, `RealtimeClient` in Node with default options (a transport whose handshake has not completed after `fallbackAfterMs`, 1 s, gets the next one racing beside it). The mock server (in the benchmark process, loopback, no proxy) runs a broker that publishes one message right after each subscription, so no periodic publisher adds delay. Faults are the mock server\'s switches (`refuseWebSocket`, `silenceWebSocket`, `bufferSse`). A fresh client per run, with `storage: null`, so no run remembers an earlier blocked transport; one untimed warm-up run comes first. The same cases through nginx in real browsers follow below.',
      '',
      markdownTable(['Case', 'Runs', 'Ended on', 'Median ms', 'Min ms', 'Max ms', 'Median over baseline ms'], rows),
    ].join('\n'),
    goals: [],
    failures,
  }
}
