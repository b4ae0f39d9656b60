import { describe, expect, it, vi } from 'vitest'
import type { PublishResult } from '../../src/index'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { useFaultProxy } from './support/useFaultProxy'
import { account, everyMessage } from './support/invariant'
import { NUMBERED, watch, type Published } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness()
const proxy = useFaultProxy(harness)

const CHANNEL = 'board:7'
const MESSAGES = 60

describe('publishing from a client whose connection keeps dropping', () => {
  it.each(['websocket', 'sse'] as const)('over %s: every publish settles once and is delivered once, in order', async (transport) => {
    const publisher = harness.client({ ...FAST, url: proxy.url, transports: [transport], sub: 'pia' })
    const readers = [0, 1, 2].map((index) => harness.client({ ...FAST, sub: `reader${index}` }))
    for (const client of [publisher, ...readers]) client.connect()
    const watches = readers.map((reader) => watch(reader, CHANNEL))
    await Promise.all(watches.map((seen) => seen.subscribed))
    await publisher.ready(10_000)

    // Several publishes in flight whenever the link is cut: some reached the server, some did not,
    // and the outbox sends every unacknowledged one again after the reconnect.
    const replies: Promise<PublishResult>[] = []
    for (let n = 1; n <= MESSAGES; n++) {
      replies.push(publisher.channel(CHANNEL).publish(NUMBERED, { n }))
      if (n % 10 === 5) proxy.cut()
      if (n % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const results = await Promise.all(replies)

    const published: Published = new Map(results.map((result, index) => [index + 1, result.position]))
    expect(new Set(results.map(({ position }) => `${position.epoch}:${position.offset}`)).size).toBe(MESSAGES)
    await expect.poll(() => watches.every((seen) => seen.received.length >= MESSAGES)).toBe(true)
    for (const seen of watches) {
      expect(account(published, seen)).toEqual(everyMessage(MESSAGES))
      expect(seen.gaps).toEqual([])
    }
    expect(publisher.stats().reconnects).toBeGreaterThan(0)
  })
})
