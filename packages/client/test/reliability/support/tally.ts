import type { MockServer } from '@lifeline/mock-server'
import { expect } from 'vitest'
import type { Gap, Position, RealtimeClient } from '../../../src/index'
import { account, type Published, type Seen } from './invariant'

export type { Published } from './invariant'

/** The event every scenario publishes: `{ n }`, numbered from 1 per channel. */
export const NUMBERED = 'n'

/** What one client saw on one channel, for the invariant checker (`account`). */
export interface Watch extends Seen {
  readonly channel: string
  readonly received: number[]
  readonly positions: Position[]
  readonly gaps: Gap[]
  /** Resolves once the channel is first subscribed. */
  readonly subscribed: Promise<void>
}

/** Subscribes `client` to `channel` and records every numbered message, its position, and every gap. */
export function watch(client: RealtimeClient, channel: string): Watch {
  const handle = client.channel(channel)
  const received: number[] = []
  const positions: Position[] = []
  const gaps: Gap[] = []
  handle.on(NUMBERED, (data, meta) => {
    received.push((data as { n: number }).n)
    positions.push(meta.position)
  })
  handle.onGap((gap) => gaps.push(gap))
  const subscribed = new Promise<void>((resolve) => {
    const stop = handle.onState((state) => state.status === 'subscribed' && (stop(), resolve()))
  })
  handle.subscribe()
  return { channel, received, positions, gaps, subscribed }
}

/** Publishes `{ n }` for every n in `[from, to]`, one after another, recording the positions. */
export async function publishNumbered(server: Pick<MockServer, 'publish'>, channel: string, from: number, to: number, published: Published = new Map()): Promise<Published> {
  for (let n = from; n <= to; n++) published.set(n, (await server.publish(channel, NUMBERED, { n })).position)
  return published
}

/**
 * Connects `client`, subscribes it to `channel`, publishes `{ n }` for 1…`count` and waits until all
 * of them arrived: a live stream for a scenario to break.
 */
export async function streaming(server: Pick<MockServer, 'publish'>, client: RealtimeClient, channel: string, count: number): Promise<{ seen: Watch; published: Published }> {
  client.connect()
  const seen = watch(client, channel)
  await seen.subscribed
  const published = await publishNumbered(server, channel, 1, count)
  await expect.poll(() => seen.received.length).toBe(count)
  return { seen, published }
}

/**
 * Keeps publishing the next numbers, one every `paceMs`, while a fault plays out, until `done()`
 * holds or `max` messages exist: traffic must flow during the switch-overs, not only around them.
 */
export async function publishUntil(server: Pick<MockServer, 'publish'>, channel: string, published: Published, done: () => boolean, { max = 500, paceMs = 20 } = {}): Promise<void> {
  while (!done() && published.size < max) {
    await publishNumbered(server, channel, published.size + 1, published.size + 1, published)
    await new Promise((resolve) => setTimeout(resolve, paceMs))
  }
}

/** The old shape of an account (published, lost, lost unannounced), for tests written against it. */
export interface Verdict {
  published: number
  delivered: number
  lost: number
  lostUnannounced: number
  duplicated: number
  reordered: number
}

/** {@link account} in the old shape: `lost` is gap-covered plus silent, `lostUnannounced` is silent. */
export function verdict(published: Published, seen: Seen, channelHistory: Published = published): Verdict {
  const { acknowledged, delivered, duplicated, reordered, gapCovered, silent } = account(published, seen, channelHistory)
  return { published: acknowledged, delivered, lost: gapCovered + silent, lostUnannounced: silent, duplicated, reordered }
}
