import { isDeepStrictEqual } from 'node:util'
import type { MessageFrame, Position } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { httpStatus } from '../expectations'
import { brief, check } from '../failure'
import { metaProblem } from '../frameShape'
import { publishMany } from '../publishMany'
import { newKey, publish, publishResult, subscribe } from '../steps'
import type { Connection } from '../transports/connection'

/** The message at `position` on `channel`, once `connection` has it. */
const messageAt = (connection: Connection, channel: string, position: Position): Promise<MessageFrame> => connection.log.message(channel, position.offset)

export const messageMeta: ConformanceCase = {
  name: 'message-meta',
  level: 'core',
  title: "every message carries meta {publisher, time} stamped by the server: the publisher's sub (null for the publish API), ignoring a meta the client sends, and the same meta in a replay",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = ctx.channel('both')
    const a = await ctx.connect('a')
    const b = await ctx.connect('b')
    const cursor = (await subscribe(a, channel)).position
    const fromA = await publish(a, channel, { by: 'a' })
    const fromB = await publish(b, channel, { by: 'b' })
    // A publish that claims someone else's stamp: a field the protocol does not have, so ignored.
    const id = b.nextId()
    const forgedText = JSON.stringify({ id, type: 'publish', channel, event: 'conformance', data: { by: 'b', forged: true }, key: newKey(), meta: { publisher: 'not-b', time: 1 } })
    const answer = await b.sendRaw(forgedText, { id, type: 'publish', channel })
    if (answer) httpStatus(answer, 202, `${b.label}: POST of a publish with a meta field (the server ignores fields it does not know)`)
    const forged = publishResult(await b.log.reply(id), `${b.label}: a publish with a meta field`).position
    const fromApi = ctx.config.apiKey ? (await publishMany(ctx, b, channel, 1))[0] : undefined

    for (const position of [fromA, fromB, forged]) {
      const message = await messageAt(a, channel, position)
      const problem = metaProblem(message.meta)
      check(!problem, `${a.label}: ${problem} (the message at offset ${position.offset})`, { expected: '"meta":{"publisher":"<sub>" or null,"time":<ms since the epoch>}', received: message })
    }
    const [metaA, metaB, metaForged] = await Promise.all([fromA, fromB, forged].map(async (position) => (await messageAt(a, channel, position)).meta))
    check(typeof metaA?.publisher === 'string' && typeof metaB?.publisher === 'string' && metaA.publisher !== metaB.publisher, `${a.label}: messages of A and B name their publishers, two different subs`, {
      expected: 'meta.publisher: the sub of A, then the sub of B',
      received: { fromA: metaA, fromB: metaB },
    })
    check(isDeepStrictEqual(metaForged?.publisher, metaB.publisher) && metaForged!.time >= metaB.time, `${a.label}: a publish with its own meta field is stamped like any other (publisher B, the server's time)`, {
      expected: `{"publisher":${JSON.stringify(metaB.publisher)},"time":>= ${metaB.time}}`,
      received: metaForged,
    })
    check(metaB.time >= metaA.time, `${a.label}: the server's times follow the order it accepted the publishes in`, { expected: `time of B's message >= ${metaA.time}`, received: metaB })
    if (fromApi) {
      const metaApi = (await messageAt(a, channel, fromApi)).meta
      check(metaApi?.publisher === null, `${a.label}: a message from the publish API has meta.publisher null (the server)`, { expected: '{"publisher":null,"time":…}', received: metaApi })
    } else ctx.note('no apiKey: the publish API stamp (publisher null) was not checked')

    // A replay carries what the server stamped when it accepted the message, not the time of the replay.
    const late = await ctx.connect('b')
    const result = await subscribe(late, channel, cursor)
    check(result.recovered, `${late.label}: subscribe since the cursor ${brief(cursor)} recovers`, { expected: '"recovered": true', received: result })
    for (const position of [fromA, fromB, forged, ...(fromApi ? [fromApi] : [])]) {
      const [live, replayed] = await Promise.all([messageAt(a, channel, position), messageAt(late, channel, position)])
      check(isDeepStrictEqual(replayed.meta, live.meta), `${late.label}: the replayed message at offset ${position.offset} has the meta it had live`, { expected: brief(live.meta), received: replayed })
    }
  },
}
