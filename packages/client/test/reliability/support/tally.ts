import type { MockServer } from '@lifeline/mock-server'
import { expect } from 'vitest'
import type { Gap, Position, RealtimeClient } from '../../../src/index'

/** The event every scenario publishes: `{ n }`, numbered from 1 per channel. */
export const NUMBERED = 'n'

/** What one client saw on one channel. */
export interface Watch {
  readonly channel: string
  /** Message numbers in arrival order. */
  readonly received: number[]
  readonly gaps: Gap[]
  /** Resolves once the channel is first subscribed. */
  readonly subscribed: Promise<void>
}

/** Subscribes `client` to `channel` and records every numbered message and every gap. */
export function watch(client: RealtimeClient, channel: string): Watch {
  const handle = client.channel(channel)
  const received: number[] = []
  const gaps: Gap[] = []
  handle.on(NUMBERED, (data) => received.push((data as { n: number }).n))
  handle.onGap((gap) => gaps.push(gap))
  const subscribed = new Promise<void>((resolve) => {
    const stop = handle.onState((state) => state.status === 'subscribed' && (stop(), resolve()))
  })
  handle.subscribe()
  return { channel, received, gaps, subscribed }
}

/** Positions of the numbered messages published so far on one channel, by number. */
export type Published = Map<number, Position>

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

export interface Verdict {
  published: number
  delivered: number
  /** Published but never delivered. */
  lost: number
  /** Of those, how many no `gap` event accounts for: must always be 0. */
  lostUnannounced: number
  duplicated: number
  /** Deliveries that came after a higher number. */
  reordered: number
}

/**
 * Counts what `seen` got of `published`. A loss is announced when a reported gap spans it, judged by
 * publish order in `channelHistory` (every message of the channel so far, in order; by default
 * `published` itself).
 */
export function verdict(published: Published, seen: Pick<Watch, 'received' | 'gaps'>, channelHistory: Published = published): Verdict {
  const unique = new Set(seen.received)
  const ours = seen.received.filter((n) => published.has(n))
  const delivered = [...published.keys()].filter((n) => unique.has(n)).length
  const lostNumbers = [...published.keys()].filter((n) => !unique.has(n))
  const spans = seen.gaps.map((gap) => [indexOf(gap.from, channelHistory), indexOf(gap.to, channelHistory)] as const)
  let reordered = 0
  for (let index = 1; index < ours.length; index++) if (ours[index]! < ours[index - 1]!) reordered += 1
  return {
    published: published.size,
    delivered,
    lost: lostNumbers.length,
    lostUnannounced: lostNumbers.filter((n) => !spans.some(([from, to]) => n > from && n <= to)).length,
    duplicated: ours.length - delivered,
    reordered,
  }
}

/** Adds verdicts up, for a table row over many clients. */
export function sum(verdicts: Verdict[]): Verdict {
  const total: Verdict = { published: 0, delivered: 0, lost: 0, lostUnannounced: 0, duplicated: 0, reordered: 0 }
  for (const one of verdicts) for (const key of Object.keys(total) as (keyof Verdict)[]) total[key] += one[key]
  return total
}

/**
 * Where `position` falls in publish order: the number of the message at it, or, for a position no
 * message has (a fresh epoch at offset 0), the number of the last message before its epoch's next one.
 */
function indexOf(position: Position, channelHistory: Published): number {
  let before = 0
  for (const [n, at] of channelHistory) {
    if (at.epoch === position.epoch && at.offset === position.offset) return n
    if (at.epoch === position.epoch && at.offset > position.offset) return before
    before = n
  }
  return before
}
