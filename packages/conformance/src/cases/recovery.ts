import { isDeepStrictEqual } from 'node:util'
import type { Position } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { brief, check } from '../failure'
import { publishedChannel } from '../publishMany'
import type { Connection } from '../transports/connection'
import { publish, stillServes, subscribe } from '../steps'
import { expectMessage } from './publish'

/** Checks that `connection` got exactly the messages at `positions` on `channel` (data `{n}`), in order. */
async function expectExactly(connection: Connection, channel: string, positions: Position[], numbers: number[], what: string): Promise<void> {
  for (const [index, position] of positions.entries()) await expectMessage(connection, channel, position, { event: 'conformance.many', data: { n: numbers[index] } })
  await stillServes(connection, what)
  const offsets = connection.log.messages(channel).map((message) => message.pos.offset)
  check(offsets.join() === positions.map((position) => position.offset).join(), `${connection.label}: ${what} delivers exactly offsets ${positions.map((position) => position.offset).join(', ') || '(none)'}`, {
    expected: `offsets ${positions.map((position) => position.offset).join(', ') || '(none)'}`,
    received: connection.log.messages(channel),
  })
}

export const recoverWithinHistory: ConformanceCase = {
  name: 'recover-within-history',
  level: 'recovery',
  title: 'subscribe with since inside history: recovered: true, the cursor is since, exactly the missed messages are replayed, then live',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const { channel, publisher, positions } = await publishedChannel(ctx, 5)
    const reader = await ctx.connect('a')
    const since = positions[1]!
    const result = await subscribe(reader, channel, since)
    check(result.recovered === true && isDeepStrictEqual(result.position, since), `${reader.label}: subscribe since ${brief(since)} (in history) answers recovered: true with the cursor equal to since`, {
      expected: `{"position":${brief(since)},"recovered":true}`,
      received: result,
    })
    await expectExactly(reader, channel, positions.slice(2), [3, 4, 5], `subscribe since offset ${since.offset}`)
    const live = await publish(publisher, channel, { n: 6 }, { event: 'conformance.many' })
    check(live.offset === positions[4]!.offset + 1, `the next publish on ${channel} follows the replayed ones`, { expected: `offset ${positions[4]!.offset + 1}`, received: live })
    await expectMessage(reader, channel, live, { event: 'conformance.many', data: { n: 6 } })

    // Since the latest position: recovered, nothing to replay.
    const upToDate = await ctx.connect('a')
    const latest = await subscribe(upToDate, channel, live)
    check(latest.recovered === true && isDeepStrictEqual(latest.position, live), `${upToDate.label}: subscribe since the latest position answers recovered: true with that position`, { expected: `{"position":${brief(live)},"recovered":true}`, received: latest })
    await expectExactly(upToDate, channel, [], [], 'subscribe since the latest position')
  },
}

export const recoverOtherEpoch: ConformanceCase = {
  name: 'recover-other-epoch',
  level: 'recovery',
  title: "subscribe with since in another epoch, or ahead of the channel: recovered: false with a cursor in the channel's epoch (its latest position, or earlier with the messages after it replayed)",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const { channel, positions } = await publishedChannel(ctx, 2)
    const latest = positions[1]!
    const sinces: [string, Position][] = [
      ['in another epoch', { epoch: `${latest.epoch}-gone`.slice(-64), offset: 1 }],
      ['ahead of the channel', { epoch: latest.epoch, offset: latest.offset + 10 }],
    ]
    for (const [what, since] of sinces) {
      const reader = await ctx.connect('a')
      const result = await subscribe(reader, channel, since)
      const cursor = result.position
      // The cursor rule: every message after the cursor follows. Usually the cursor is the latest
      // position; a server may also start earlier in the current epoch and replay what it still has.
      check(result.recovered === false && cursor.epoch === latest.epoch && cursor.offset <= latest.offset, `${reader.label}: subscribe since ${brief(since)} (${what}) answers recovered: false with a cursor in the channel's epoch, at most its latest position ${brief(latest)}`, {
        expected: `{"position":${brief(latest)},"recovered":false}`,
        received: result,
      })
      const replayed = positions.filter((position) => position.offset > cursor.offset)
      await expectExactly(reader, channel, replayed, replayed.map((position) => positions.indexOf(position) + 1), 'a subscription not recovered')
      if (replayed.length > 0) ctx.note(`since ${what}: cursor ${brief(cursor)}, then offsets ${replayed.map((position) => position.offset).join(', ')} replayed`)
    }
  },
}

export const recoverTrimmed: ConformanceCase = {
  name: 'recover-trimmed',
  level: 'recovery',
  title: 'history keeps limits.historySize messages: since just inside it replays them all, since one further back is recovered: false',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const size = ctx.config.limits.historySize
    // History then holds offsets 3 … size + 2 of this channel (if it was empty).
    const { channel, positions } = await publishedChannel(ctx, size + 2)
    const latest = positions.at(-1)!

    const trimmed = await ctx.connect('a')
    const lost = await subscribe(trimmed, channel, positions[0])
    check(lost.recovered === false && isDeepStrictEqual(lost.position, latest), `${trimmed.label}: subscribe since ${brief(positions[0])}, whose next message was trimmed (${size + 2} published, history of ${size}), answers recovered: false with the latest position`, {
      expected: `{"position":${brief(latest)},"recovered":false} (is limits.historySize ${size} right?)`,
      received: lost,
    })
    await expectExactly(trimmed, channel, [], [], 'a subscription past trimmed history')

    const kept = await ctx.connect('a')
    const recovered = await subscribe(kept, channel, positions[1])
    check(recovered.recovered === true, `${kept.label}: subscribe since ${brief(positions[1])}, the oldest point history still covers, answers recovered: true`, {
      expected: `{"position":${brief(positions[1])},"recovered":true} (is limits.historySize ${size} right?)`,
      received: recovered,
    })
    const replayed = positions.slice(2)
    await kept.log.message(channel, latest.offset, ctx.waitMs + size * 5)
    await expectExactly(kept, channel, replayed, replayed.map((_, index) => index + 3), `a replay of the whole history`)
  },
}
