import type { FaultProxy } from '@lifeline/mock-server'
import { describe, expect, it, vi } from 'vitest'
import type { ClientEvents, ConnectionSnapshot, RealtimeClient, TransportName } from '../src/index'
import { next, sequence, useHarness } from './support/harness'
import { publishNumbered, watch, type Published, type Watch } from './reliability/support/tally'
import { useFaultProxy } from './reliability/support/useFaultProxy'

// The client with its default timings behind a proxy that breaks the network the way corporate
// proxies do. Each mode counts messages (every one once, in order) and prints how long things took;
// docs/fallback-and-proxies.md quotes these figures. Real sockets on a shared machine: the times
// are measured and printed, never asserted.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

// The server's default heartbeat (25 s): finding a silent link fast is the client's job.
const harness = useHarness()
const proxy = useFaultProxy(harness)

const CHANNEL = 'leaderboard'
/** A message every 50 ms while a mode plays out. */
const PACE_MS = 50

const report = (line: string) => console.info(`[hostile networks] ${line}`)

/** Publishes the next numbered message every PACE_MS until stopped; resolves with everything published. */
function ticker(published: Published = new Map()): { stop(): Promise<Published> } {
  let running = true
  const loop = (async () => {
    // Bounded: a mode never needs more than a few minutes of messages.
    while (running && published.size < 5000) {
      await publishNumbered(harness.server, CHANNEL, published.size + 1, published.size + 1, published)
      await new Promise((resolve) => setTimeout(resolve, PACE_MS))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return published
    },
  }
}

/** Waits for the last published message, then checks every message from the first received on came once and in order. */
async function expectOnceInOrder(seen: Watch, published: Published, from = seen.received[0]!): Promise<void> {
  await expect.poll(() => seen.received.at(-1), { timeout: 30_000 }).toBe(published.size)
  expect(seen.received).toEqual(sequence(published.size - from + 1, from))
  expect(seen.gaps).toEqual([])
}

const until = <T>(client: RealtimeClient, predicate: (snapshot: ConnectionSnapshot) => T) =>
  predicate(client.getSnapshot()) ? Promise.resolve() : next<void>((handler) => client.onState(() => handler()), () => Boolean(predicate(client.getSnapshot())))

interface Mode {
  name: string
  /** Breaks the network before the client connects. */
  set(proxy: FaultProxy): void
  transport: TransportName
  diagnosis: ConnectionSnapshot['diagnosis']
}

// sample: modes
const MODES: Mode[] = [
  { name: 'good network', set: () => {}, transport: 'websocket', diagnosis: undefined },
  { name: 'upgrade refused', set: (faults) => (faults.upgrades = 'refuse'), transport: 'sse', diagnosis: 'UPGRADE_REFUSED' },
  { name: 'upgrade accepted, then silent', set: (faults) => (faults.upgrades = 'silent'), transport: 'sse', diagnosis: 'WEBSOCKET_SILENT' },
  {
    name: 'upgrade refused and SSE buffered',
    set: (faults) => {
      faults.upgrades = 'refuse'
      // Holds the stream until a megabyte piled up: nothing, not even the connect reply, comes through.
      faults.sseBufferBytes = 1 << 20
    },
    transport: 'long-polling',
    diagnosis: 'SSE_BUFFERED',
  },
]
// end sample

describe('hostile networks, through a fault proxy, with the default timings', () => {
  it.each(MODES)('$name: the first message arrives over $transport, the client says why, and every message comes once, in order', async ({ name, set, transport, diagnosis }) => {
    set(proxy)
    const messages = ticker()
    const client = harness.client({ url: proxy.url })
    let firstAt: number | undefined
    client.channel(CHANNEL).on('n', () => (firstAt ??= performance.now()))
    const startedAt = performance.now()
    client.connect()
    const seen = watch(client, CHANNEL)
    await expect.poll(() => firstAt, { timeout: 30_000 }).toBeDefined()
    expect(client.getSnapshot().transport).toBe(transport)
    // A racer that lost is given connectTimeoutMs before the client says why it lost.
    await until(client, (snapshot) => snapshot.diagnosis === diagnosis)
    const diagnosedAt = performance.now()
    // Two seconds of traffic at least, whatever the mode.
    await expect.poll(() => seen.received.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(40)
    const published = await messages.stop()
    await expectOnceInOrder(seen, published)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport, diagnosis })
    report(`${name}: first message after ${Math.round(firstAt! - startedAt)} ms over ${transport}; diagnosis ${diagnosis ?? 'none'} after ${Math.round(diagnosedAt - startedAt)} ms; ${seen.received.length} messages once, in order`)
  })

  it('a WebSocket that goes silent mid-session is found within livenessMs, the client moves to SSE and recovers what it missed', async () => {
    const messages = ticker()
    const client = harness.client({ url: proxy.url })
    client.connect()
    const seen = watch(client, CHANNEL)
    await seen.subscribed
    await expect.poll(() => seen.received.length, { timeout: 15_000 }).toBeGreaterThan(10)
    expect(client.getSnapshot().transport).toBe('websocket')
    const lost = next<ClientEvents['status']>((handler) => client.on('status', handler), ({ status }) => status === 'reconnecting')

    // The link goes dead without a close, and new upgrades are swallowed too.
    const silentAt = performance.now()
    const before = seen.received.length
    proxy.upgrades = 'silent'
    proxy.blackhole()
    await lost
    const detectedAt = performance.now()
    await expect.poll(() => seen.received.length, { timeout: 30_000 }).toBeGreaterThan(before)
    const resumedAt = performance.now()
    const published = await messages.stop()
    await expectOnceInOrder(seen, published)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'sse' })
    report(`silent mid-session: found after ${Math.round(detectedAt - silentAt)} ms, messages again after ${Math.round(resumedAt - silentAt)} ms over ${client.getSnapshot().transport}; ${seen.received.length} messages once, in order`)
  })

  it('once WebSocket works again, the client moves back while messages flow, and nothing is lost or repeated', async () => {
    proxy.upgrades = 'refuse'
    const messages = ticker()
    // Probes 12.5-25 s apart: what the default upgradeDelay settles at after its first doublings.
    const client = harness.client({ url: proxy.url, upgradeDelay: { minMs: 25_000, maxMs: 25_000 } })
    client.connect()
    const seen = watch(client, CHANNEL)
    await until(client, (snapshot) => snapshot.transport === 'sse')
    await expect.poll(() => seen.received.length, { timeout: 15_000 }).toBeGreaterThan(10)
    const back = next<ClientEvents['transport']>((handler) => client.on('transport', handler), ({ transport }) => transport === 'websocket')

    proxy.upgrades = 'pass'
    const fixedAt = performance.now()
    await back
    const backAt = performance.now()
    const published = await messages.stop()
    await expectOnceInOrder(seen, published)
    expect(client.getSnapshot()).toMatchObject({ transport: 'websocket', diagnosis: undefined })
    report(`return: back on WebSocket ${Math.round(backAt - fixedAt)} ms after the proxy let it through; ${seen.received.length} messages once, in order`)
  })
})
