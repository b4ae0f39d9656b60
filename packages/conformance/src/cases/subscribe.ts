import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { errorReply, okResult } from '../expectations'
import { brief, check } from '../failure'
import { newKey, publish, stillServes, subscribe } from '../steps'

export const subscribeUnsubscribe: ConformanceCase = {
  name: 'subscribe-unsubscribe',
  level: 'core',
  title: "subscribe answers the cursor (the channel's latest position, offset 0 when empty); unsubscribe stops delivery; NOT_SUBSCRIBED, ALREADY_SUBSCRIBED",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = ctx.channel('both')
    const reader = await ctx.connect('a')
    const publisher = await ctx.connect('b')
    const first = await subscribe(reader, channel)
    check(first.recovered === true, `${reader.label}: a subscribe without "since" answers recovered: true`, { expected: '"recovered": true', received: first })
    if (ctx.freshChannels) {
      check(first.position.offset === 0, `${reader.label}: a new channel's cursor is {epoch, offset: 0}`, { expected: `offset 0 on the empty channel ${channel}`, received: first })
    }
    errorReply(await reader.command('subscribe', { channel }), 'ALREADY_SUBSCRIBED', `${reader.label}: a second subscribe to ${channel}`)

    const p1 = await publish(publisher, channel, { n: 1 })
    const p2 = await publish(publisher, channel, { n: 2 })
    check(p1.epoch === first.position.epoch && p1.offset === first.position.offset + 1 && p2.offset === p1.offset + 1, `publishes on ${channel} take offsets cursor + 1, + 2 in the cursor's epoch`, {
      expected: `offsets ${first.position.offset + 1} and ${first.position.offset + 2} in epoch ${first.position.epoch}`,
      received: { cursor: first.position, publishes: [p1, p2] },
    })
    await reader.log.message(channel, p2.offset)

    // A later subscriber starts at the latest position, with nothing replayed.
    const late = await ctx.connect('a')
    const second = await subscribe(late, channel)
    check(second.position.epoch === p2.epoch && second.position.offset === p2.offset, `${late.label}: without "since" the cursor is the channel's latest position ${brief(p2)}`, { expected: brief(p2), received: second })

    const unsubscribed = okResult<object>(await reader.command('unsubscribe', { channel }), `${reader.label}: unsubscribe from ${channel}`)
    check(typeof unsubscribed === 'object' && unsubscribed !== null, `${reader.label}: an unsubscribe reply's result is {}`, { received: unsubscribed })
    errorReply(await reader.command('unsubscribe', { channel }), 'NOT_SUBSCRIBED', `${reader.label}: unsubscribe again from ${channel}`)

    const p3 = await publish(publisher, channel, { n: 3 })
    await late.log.message(channel, p3.offset)
    check(late.log.messages(channel).length === 1, `${late.label}: a subscriber without "since" gets only what came after its cursor`, { expected: `only offset ${p3.offset}`, received: late.log.messages(channel) })
    // The round trip lets anything the server wrongly sent after the unsubscribe arrive (the log flags it).
    await stillServes(reader, 'unsubscribe')

    const again = await subscribe(reader, channel)
    check(again.position.offset === p3.offset, `${reader.label}: subscribing again starts at the latest position ${brief(p3)}`, { expected: brief(p3), received: again })
  },
}

export const forbiddenChannel: ConformanceCase = {
  name: 'forbidden-channel',
  level: 'core',
  title: "user B gets FORBIDDEN on user A's channel (subscribe and publish), A may use it, and B's connection stays",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = ctx.channel('onlyA')
    const b = await ctx.connect('b')
    errorReply(await b.command('subscribe', { channel }), 'FORBIDDEN', `${b.label}: subscribe to A's channel ${channel}`)
    errorReply(await b.command('publish', { channel, event: 'conformance', data: { from: 'b' }, key: newKey() }), 'FORBIDDEN', `${b.label}: publish to A's channel ${channel}`)
    await stillServes(b, 'FORBIDDEN')

    const a = await ctx.connect('a')
    await subscribe(a, channel)
    const position = await publish(a, channel, { from: 'a' })
    await a.log.message(channel, position.offset)

    if (ctx.config.channels.readOnlyForB !== undefined) {
      const readOnly = ctx.channel('readOnlyForB')
      await subscribe(b, readOnly)
      errorReply(await b.command('publish', { channel: readOnly, event: 'conformance', data: { from: 'b' }, key: newKey() }), 'FORBIDDEN', `${b.label}: publish to ${readOnly}, which B may only read`)
    }
    await stillServes(b, 'FORBIDDEN')
  },
}
