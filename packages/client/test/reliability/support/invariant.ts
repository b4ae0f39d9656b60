/**
 * The invariant every reliability scenario checks, per client and channel: each publish the server
 * acknowledged is delivered once, in channel order, or lies inside a `gap` the client reported.
 * Anything else is a silent loss, a duplicate or a reordering, and every scenario asserts there
 * are none. Judged by positions, not by publish order, so publishes racing through several
 * replicas are judged by the order the channel gave them.
 */
import { expect } from 'vitest'
import type { Gap, Position } from '../../../src/index'

/** Positions the server acknowledged, by the number each message carries (`{ n }`). */
export type Published = Map<number, Position>

/** What one client saw on one channel. */
export interface Seen {
  /** Message numbers in arrival order. */
  readonly received: readonly number[]
  /** Their positions, in the same order (when the scenario recorded them). */
  readonly positions?: readonly Position[]
  readonly gaps: readonly Gap[]
}

/** One client's account of one channel (or a sum of them, for a table row). */
export interface Account {
  /** Publishes the server acknowledged. */
  acknowledged: number
  /** Of those, delivered at least once. */
  delivered: number
  /** Deliveries of an acknowledged message beyond its first. */
  duplicated: number
  /** Deliveries that came before a message of the channel they follow. */
  reordered: number
  /** Acknowledged, not delivered, inside a reported gap: the client knows to refetch. */
  gapCovered: number
  /** Acknowledged, not delivered, and in no gap: must always be 0. */
  silent: number
  /**
   * Deliveries of an attempt the server did not acknowledge: a number whose publish was refused
   * once (it may have been stored all the same, as when Redis died before answering), delivered at
   * another position than the one its acknowledged retry got. Not the acknowledged publish, so not
   * counted as its duplicate; shown apart because the app did receive it.
   */
  unacknowledged: number
}

export const EMPTY_ACCOUNT: Account = { acknowledged: 0, delivered: 0, duplicated: 0, reordered: 0, gapCovered: 0, silent: 0, unacknowledged: 0 }

/**
 * Accounts for `acknowledged` in what `seen` got. `channelHistory` is every acknowledged message
 * of the channel so far (default: `acknowledged` itself), whose order of epochs places a gap that
 * spans epochs the client never saw. `refused` holds the numbers that had a refused attempt before
 * they were acknowledged.
 */
export function account(acknowledged: Published, seen: Seen, channelHistory: Published = acknowledged, refused: ReadonlySet<number> = new Set()): Account {
  const epochs = epochOrder(channelHistory, seen)
  let unacknowledged = 0
  const deliveries = seen.received.flatMap((n, index) => {
    if (!acknowledged.has(n)) return []
    const at = seen.positions?.[index] ?? acknowledged.get(n)!
    if (refused.has(n) && !samePosition(at, acknowledged.get(n)!)) {
      unacknowledged += 1
      return []
    }
    return [{ n, at }]
  })
  // Order is judged on first deliveries: a repeat counts as duplicated, not also as reordered.
  const firsts = new Map<number, Position>()
  for (const { n, at } of deliveries) if (!firsts.has(n)) firsts.set(n, at)
  const lost = [...acknowledged].filter(([n]) => !firsts.has(n))
  const covered = lost.filter(([, at]) => seen.gaps.some((gap) => covers(gap, at, epochs)))
  return {
    acknowledged: acknowledged.size,
    delivered: firsts.size,
    duplicated: deliveries.length - firsts.size,
    reordered: countReordered([...firsts.values()], epochs),
    gapCovered: covered.length,
    silent: lost.length - covered.length,
    unacknowledged,
  }
}

const samePosition = (a: Position, b: Position) => a.epoch === b.epoch && a.offset === b.offset

/** Adds accounts up, for a table row over many clients. */
export function sum(accounts: readonly Account[]): Account {
  const total = { ...EMPTY_ACCOUNT }
  for (const one of accounts) for (const key of Object.keys(total) as (keyof Account)[]) total[key] += one[key]
  return total
}

/** The invariant: no silent loss, no duplicate, no reordering (gap-covered losses are allowed). */
export function expectInvariant(accounts: Account | readonly Account[], what = 'clients'): Account {
  const total = Array.isArray(accounts) ? sum(accounts as readonly Account[]) : (accounts as Account)
  expect({ silent: total.silent, duplicated: total.duplicated, reordered: total.reordered }, `the invariant over ${what}`).toEqual({ silent: 0, duplicated: 0, reordered: 0 })
  return total
}

/** Every acknowledged message delivered: what a scenario expects where history covers everything. */
export const everyMessage = (count: number): Account => ({ ...EMPTY_ACCOUNT, acknowledged: count, delivered: count })

/** Epochs in the order the channel had them: first seen among the acknowledged, then the client's. */
function epochOrder(channelHistory: Published, seen: Seen): Map<string, number> {
  const order = new Map<string, number>()
  const note = (epoch: string) => order.has(epoch) || order.set(epoch, order.size)
  for (const at of channelHistory.values()) note(at.epoch)
  for (const at of seen.positions ?? []) note(at.epoch)
  for (const { from, to } of seen.gaps) note(from.epoch), note(to.epoch)
  return order
}

/** Whether a gap reported as `{ from, to }` (everything after `from` up to and including `to`) spans `at`. */
function covers({ from, to }: Gap, at: Position, epochs: Map<string, number>): boolean {
  const [first, last, here] = [epochs.get(from.epoch)!, epochs.get(to.epoch)!, epochs.get(at.epoch)!]
  if (here < first || here > last) return false
  const afterFrom = here > first || at.offset > from.offset
  const upToTo = here < last || at.offset <= to.offset
  return afterFrom && upToTo
}

/** Deliveries not after the one before them: a lower offset in the same epoch, or an earlier epoch. */
function countReordered(positions: readonly Position[], epochs: Map<string, number>): number {
  let reordered = 0
  for (let index = 1; index < positions.length; index++) {
    const [before, at] = [positions[index - 1]!, positions[index]!]
    const [was, is] = [epochs.get(before.epoch)!, epochs.get(at.epoch)!]
    if (is < was || (is === was && at.offset <= before.offset)) reordered += 1
  }
  return reordered
}
