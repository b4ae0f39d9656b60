import { isDeepStrictEqual } from 'node:util'
import type { Position, SubscribeCommand, SubscribeResult } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { okResult } from '../expectations'
import { brief, check } from '../failure'
import { isPosition } from '../frameShape'
import { publishMany } from '../publishMany'
import { publish, stillServes, subscribe } from '../steps'
import type { Connection } from '../transports/connection'
import { expectMessage } from './publish'

/** A subscribe with any of its fields; checks the reply's shape. */
export async function subscribeWith(connection: Connection, fields: Omit<SubscribeCommand, 'id' | 'type'>, what: string): Promise<SubscribeResult> {
  const reply = await connection.command('subscribe', fields)
  const result = okResult<SubscribeResult>(reply, `${connection.label}: ${what}`)
  check(isPosition(result.position) && typeof result.recovered === 'boolean', `${connection.label}: a subscribe reply's result is {position, recovered, presence?}`, { received: reply })
  return result
}

/** `connection` got exactly the messages at `positions` on `channel`, in order, and nothing else. */
async function expectOnly(connection: Connection, channel: string, positions: Position[], what: string): Promise<void> {
  for (const position of positions) await connection.log.message(channel, position.offset)
  await stillServes(connection, what)
  const offsets = connection.log.messages(channel).map((message) => message.pos.offset)
  check(offsets.join() === positions.map((position) => position.offset).join(), `${connection.label}: ${what} delivers exactly offsets ${positions.map((position) => position.offset).join(', ') || '(none)'}`, {
    received: connection.log.messages(channel),
  })
}

export const rewind: ConformanceCase = {
  name: 'rewind',
  level: 'recovery',
  title: "subscribe with rewind n replays the channel's last n messages (all it has when fewer) after a cursor just before them, with their meta, then live; with since, rewind is ignored",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = ctx.channel('both')
    const publisher = await ctx.connect('b')
    await subscribe(publisher, channel)
    if (ctx.freshChannels) {
      const early = await ctx.connect('a')
      const empty = await subscribeWith(early, { channel, rewind: 3 }, `subscribe to the empty ${channel} with rewind 3`)
      check(empty.recovered === true && empty.position.offset === 0, `${early.label}: rewind on an empty channel answers recovered: true with the cursor at offset 0`, { expected: '{"position":{"epoch":"…","offset":0},"recovered":true}', received: empty })
      await expectOnly(early, channel, [], 'a rewind on an empty channel')
    }
    const positions = await publishMany(ctx, publisher, channel, 5)

    const reader = await ctx.connect('a')
    const result = await subscribeWith(reader, { channel, rewind: 2 }, `subscribe to ${channel} with rewind 2`)
    check(result.recovered === true && isDeepStrictEqual(result.position, positions[2]), `${reader.label}: rewind 2 answers recovered: true with the cursor just before the last two messages`, {
      expected: `{"position":${brief(positions[2])},"recovered":true}`,
      received: result,
    })
    for (const [index, position] of positions.slice(3).entries()) {
      const replayed = await expectMessage(reader, channel, position, { event: 'conformance.many', data: { n: index + 4 } })
      const live = await publisher.log.message(channel, position.offset)
      check(isDeepStrictEqual(replayed.meta, live.meta), `${reader.label}: the rewound message at offset ${position.offset} carries the meta it had live`, { expected: brief(live.meta), received: replayed })
    }
    const next = await publish(publisher, channel, { n: 6 }, { event: 'conformance.many' })
    await expectMessage(reader, channel, next, { event: 'conformance.many', data: { n: 6 } })
    await expectOnly(reader, channel, [...positions.slice(3), next], 'a rewind of 2, then a live message')

    if (ctx.freshChannels) {
      const all = await ctx.connect('a')
      const more = await subscribeWith(all, { channel, rewind: 1_000_000 }, `subscribe with a rewind larger than the history`)
      check(more.recovered === true && more.position.offset === positions[0]!.offset - 1, `${all.label}: a rewind past what history holds replays all of it (6 messages): the cursor is just before the first`, {
        expected: `{"position":{"offset":${positions[0]!.offset - 1}},"recovered":true}`,
        received: more,
      })
      await expectOnly(all, channel, [...positions, next], 'a rewind larger than the history')
    } else ctx.note('config.channels.both has no {unique}: the rewinds of an empty channel and of a whole history were not checked')

    const resumer = await ctx.connect('a')
    const resumed = await subscribeWith(resumer, { channel, since: positions[3], rewind: 5 }, `subscribe with since and rewind`)
    check(resumed.recovered === true && isDeepStrictEqual(resumed.position, positions[3]), `${resumer.label}: with since, rewind is ignored: the cursor is since`, { expected: `{"position":${brief(positions[3])},"recovered":true}`, received: resumed })
    await expectOnly(resumer, channel, [positions[4]!, next], 'a subscribe with since and rewind')
  },
}
