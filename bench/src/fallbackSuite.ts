import { RealtimeClient, type TransportName } from '@lifeline/client'
import { createServer, type Faults, type MockServer } from '@lifeline/mock-server'
import { EventSource } from 'eventsource'
import WebSocket from 'ws'
import { AnnouncingBroker } from './announcingBroker'
import { BENCH_CHANNEL, BENCH_JWT_SECRET } from './benchServer'
import type { BenchSection, GoalVerdict } from './benchSection'
import { fixed, markdownTable } from './markdownTable'
import type { Profile } from './profile'
import { median } from './stats'

interface FallbackCase {
  label: string
  faults: Partial<Faults>
  transports?: TransportName[]
  runs: (profile: Profile) => number
}

const CASES: FallbackCase[] = [
  { label: 'WebSocket works (baseline)', faults: {}, runs: (profile) => profile.fallbackRuns },
  { label: 'WebSocket refused (503 on upgrade) → SSE', faults: { refuseWebSocket: true }, runs: (profile) => profile.fallbackRuns },
  { label: 'Upgrade accepted, then silent → SSE', faults: { silenceWebSocket: true }, runs: (profile) => profile.silentFallbackRuns },
  { label: 'SSE only (`transports: ["sse"]`, reference)', faults: {}, transports: ['sse'], runs: (profile) => profile.fallbackRuns },
]

/** Hard bound on one run: the silent case needs the 5 s connect timeout plus the SSE handshake. */
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

export async function runFallbackSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const rows: string[][] = []
  const medians = new Map<string, number>()
  // One untimed run first, so the first measured case does not pay for JIT warm-up alone.
  const warmUp = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, broker: new AnnouncingBroker() })
  await timeToFirstMessage(warmUp, token, undefined).finally(() => warmUp.close())
  for (const fallbackCase of CASES) {
    const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, broker: new AnnouncingBroker() })
    Object.assign(server.faults, fallbackCase.faults)
    try {
      const times: number[] = []
      let transport = ''
      for (let run = 0; run < fallbackCase.runs(profile); run++) {
        const result = await timeToFirstMessage(server, token, fallbackCase.transports)
        times.push(result.ms)
        transport = result.transport
      }
      log(`fallback: ${fallbackCase.label}: ${times.map((ms) => ms.toFixed(1)).join(', ')} ms`)
      medians.set(fallbackCase.label, median(times))
      rows.push([fallbackCase.label, String(times.length), transport, fixed(median(times), 1), fixed(Math.min(...times), 1), fixed(Math.max(...times), 1)])
    } finally {
      await server.close()
    }
  }
  const baseline = medians.get(CASES[0]!.label)!
  for (const row of rows) row.push(fixed(Number(row[3]) - baseline, 1))
  const goals: GoalVerdict[] = []
  return {
    title: 'Fallback time',
    markdown: [
      'From `client.connect()` to the first message on a channel subscribed before connecting, with default options (`connectTimeoutMs` 5000). The mock server (in the benchmark process, loopback) runs a broker that publishes one message right after each subscription, so no periodic publisher adds delay. Faults are the mock server\'s switches (`refuseWebSocket`, `silenceWebSocket`). A fresh client per run, with `storage: null`, so no run remembers an earlier blocked WebSocket; one untimed warm-up run comes first.',
      '',
      markdownTable(['Case', 'Runs', 'Ended on', 'Median ms', 'Min ms', 'Max ms', 'Over baseline ms'], rows),
    ].join('\n'),
    goals,
  }
}
