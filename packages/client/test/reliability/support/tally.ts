import type { MockServer } from '@lifeline/mock-server'
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

/** Counts what `seen` got of `published`; a loss is announced when a reported gap covers its position. */
export function verdict(published: Published, seen: Pick<Watch, 'received' | 'gaps'>): Verdict {
  const unique = new Set(seen.received)
  const lostNumbers = [...published.keys()].filter((n) => !unique.has(n))
  const covered = (position: Position) => seen.gaps.some((gap) => within(position, gap))
  let reordered = 0
  for (let index = 1; index < seen.received.length; index++) if (seen.received[index]! < seen.received[index - 1]!) reordered += 1
  return {
    published: published.size,
    delivered: unique.size,
    lost: lostNumbers.length,
    lostUnannounced: lostNumbers.filter((n) => !covered(published.get(n)!)).length,
    duplicated: seen.received.length - unique.size,
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
 * A gap runs from just after `from` to `to` included. Across a change of epoch the server cannot say
 * what came between, so the gap announces everything after `from`: any epoch in between, and the new
 * one up to `to`.
 */
function within(position: Position, { from, to }: Gap): boolean {
  if (from.epoch === to.epoch) return position.epoch === from.epoch && position.offset > from.offset && position.offset <= to.offset
  if (position.epoch === from.epoch) return position.offset > from.offset
  return position.epoch !== to.epoch || position.offset <= to.offset
}
