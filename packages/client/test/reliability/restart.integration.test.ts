import { describe, expect, it, vi } from 'vitest'
import { startHarness, useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { account, everyMessage, expectInvariant, type Published } from './support/invariant'
import { publishOverHttp, startServerProcess } from './support/serverProcess'
import { NUMBERED, publishNumbered, watch, type Watch } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness()

const CLIENTS = 6
const CHANNEL = 'leaderboard'

describe('server restart', () => {
  it('every client announces exactly one gap for the lost epoch and then misses nothing', async () => {
    const watches: Watch[] = []
    for (let index = 0; index < CLIENTS; index++) {
      // Half over WebSocket, half over SSE: the restart must look the same on both.
      const client = harness.client({ ...FAST, transports: index % 2 ? ['sse'] : ['websocket'] })
      client.connect()
      watches.push(watch(client, CHANNEL))
    }
    await Promise.all(watches.map((seen) => seen.subscribed))
    const published = await publishNumbered(harness.server, CHANNEL, 1, 20)
    await expect.poll(() => watches.every((seen) => seen.received.length === 20)).toBe(true)

    await harness.server.restart({ downtimeMs: 100 })
    // The in-memory history died with the old process: every client must say so with a gap.
    await expect.poll(() => watches.every((seen) => seen.gaps.length === 1), { timeout: 10_000 }).toBe(true)
    await publishNumbered(harness.server, CHANNEL, 21, 40, published)
    await expect.poll(() => watches.every((seen) => seen.received.length >= 40), { timeout: 10_000 }).toBe(true)

    for (const seen of watches) {
      expect(account(published, seen)).toEqual(everyMessage(40))
      const [gap] = seen.gaps
      expect(gap!.from).toEqual(published.get(20))
      expect(gap!.to.epoch).not.toBe(gap!.from.epoch)
    }
  })
})

describe('server killed mid-stream', () => {
  it('SIGKILLed while messages flow and started again empty: each client reports one gap and gets every message of the new epoch, replayed from its start', async () => {
    const server = await startServerProcess()
    const clients = await startHarness({})
    try {
      const watches: Watch[] = []
      for (let index = 0; index < 4; index++) {
        const client = clients.client({ ...FAST, url: server.url, transports: index % 2 ? ['sse'] : ['websocket'] })
        client.connect()
        watches.push(watch(client, CHANNEL))
      }
      await Promise.all(watches.map((seen) => seen.subscribed))

      // Numbered publishes through the server's HTTP API, each retried with its key until acknowledged.
      const published: Published = new Map()
      const publishNext = async () => {
        const n = published.size + 1
        for (let attempt = 0; attempt < 1200; attempt++) {
          const position = await publishOverHttp(server, { channel: CHANNEL, event: NUMBERED, data: { n }, key: `n${n}` })
          if (position) return void published.set(n, position)
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        throw new Error(`message ${n} was never acknowledged`)
      }
      for (let n = 1; n <= 30; n++) await publishNext()
      // Killed right after an acknowledgement, while its fan-out may still be on the way to the
      // clients: the stream is cut mid-flight, the publisher is not mid-request (a request cut
      // mid-flight and retried would be published twice: its key died with the process).
      await server.kill()
      await server.start()
      const restartedAt = published.size
      for (let n = 1; n <= 30; n++) await publishNext()

      const newEpoch = [...published].filter(([n]) => n > restartedAt)
      await expect.poll(() => watches.every((seen) => newEpoch.every(([n]) => seen.received.includes(n))), { timeout: 20_000 }).toBe(true)
      const accounts = watches.map((seen) => account(published, seen))
      expectInvariant(accounts)
      for (const [index, seen] of watches.entries()) {
        expect(seen.gaps, `client ${index}`).toHaveLength(1)
        // Everything the old process acknowledged and did not deliver lies in that gap.
        expect(seen.gaps[0]!.from.epoch).toBe(published.get(1)!.epoch)
        expect(accounts[index]!.delivered + accounts[index]!.gapCovered).toBe(60)
      }
    } finally {
      await clients.close()
      await server.close()
    }
  })
})
