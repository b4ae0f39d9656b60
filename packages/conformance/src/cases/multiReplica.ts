import { isDeepStrictEqual } from 'node:util'
import { ROUTES } from '@lifeline/protocol'
import type { CaseContext } from '../caseContext'
import { EVERY_TRANSPORT, HTTP_TRANSPORTS, type ConformanceCase } from '../conformanceCase'
import { httpError } from '../expectations'
import { brief, check } from '../failure'
import { publishedChannel, publishMany } from '../publishMany'
import { newKey, publish, publishResult, stillServes, subscribe } from '../steps'
import type { Connection, ConnectionOptions } from '../transports/connection'
import { requestPoll } from '../transports/longPollConnection'
import { postUpstream } from '../transports/upstream'
import { expectMessage } from './publish'

/**
 * User A's connection on replica 1 with its upstream POSTs (`sendUrl`) or its polls (`pollUrl`)
 * going to replica 2, checked with a subscribe and a publish that comes back through there.
 */
async function throughReplica2(ctx: CaseContext, route: 'sendUrl' | 'pollUrl', what: string): Promise<{ connection: Connection; options: ConnectionOptions }> {
  const routed = { [route]: ctx.requireUrl2() }
  const connection = await ctx.connect('a', routed)
  const channel = ctx.channel('both')
  await subscribe(connection, channel)
  const data = { through: `${what} to replica 2` }
  const position = await publish(connection, channel, data)
  await expectMessage(connection, channel, position, { event: 'conformance', data })
  await stillServes(connection, `${what} through replica 2`)
  return { connection, options: ctx.options('a', routed) }
}

export const crossReplicaDelivery: ConformanceCase = {
  name: 'cross-replica-delivery',
  level: 'multi-replica',
  title: 'messages published on replica 1 reach a subscriber on replica 2 once each, in order, at the positions the publishes got',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const url2 = ctx.requireUrl2()
    const channel = ctx.channel('both')
    const reader = await ctx.connect('a', { url: url2 })
    const local = await ctx.connect('a')
    const cursor = (await subscribe(reader, channel)).position
    await subscribe(local, channel)
    const publisher = await ctx.connect('b')
    const positions = []
    for (let n = 1; n <= 10; n++) positions.push(await publish(publisher, channel, { n }, { event: 'conformance.many' }))
    if (ctx.config.apiKey) positions.push(...(await publishMany(ctx, publisher, channel, 1)))
    positions.forEach((position, index) => check(position.epoch === cursor.epoch && position.offset === cursor.offset + index + 1, `publish ${index + 1} on replica 1 takes offset cursor + ${index + 1} of the cursor replica 2 gave`, { expected: brief({ epoch: cursor.epoch, offset: cursor.offset + index + 1 }), received: position }))
    for (const connection of [reader, local]) {
      for (const [index, position] of positions.entries()) await expectMessage(connection, channel, position, { event: 'conformance.many', data: { n: index < 10 ? index + 1 : 1 } })
      await stillServes(connection, 'the messages')
      check(connection.log.messages(channel).length === positions.length, `${connection.label}: each message arrives once`, { expected: `${positions.length} messages`, received: connection.log.messages(channel).map((message) => message.pos) })
    }
  },
}

export const crossReplicaUpstream: ConformanceCase = {
  name: 'cross-replica-upstream',
  level: 'multi-replica',
  title: "upstream POSTs sent to replica 2 reach a session held by replica 1 (subscribe, publish, ping), and replica 2 refuses another user's or an unknown session",
  transports: HTTP_TRANSPORTS,
  async run(ctx) {
    const { connection, options } = await throughReplica2(ctx, 'sendUrl', 'upstream POSTs')
    const ping = () => JSON.stringify({ id: connection.nextId(), type: 'ping' })
    httpError(await postUpstream(options, { session: connection.session, token: ctx.tokens.of('b'), body: ping() }), 'FORBIDDEN', `POST ${ROUTES.send.path} to replica 2 with user B's token on A's session`)
    httpError(await postUpstream(options, { session: `${connection.session}-unknown`, token: ctx.tokens.of('a'), body: ping() }), 'SESSION_NOT_FOUND', `POST ${ROUTES.send.path} to replica 2 for an unknown session`)
  },
}

export const crossReplicaPoll: ConformanceCase = {
  name: 'cross-replica-poll',
  level: 'multi-replica',
  title: 'polls sent to replica 2 collect the frames of a long-polling session held by replica 1',
  transports: ['long-polling'],
  async run(ctx) {
    const { connection, options } = await throughReplica2(ctx, 'pollUrl', 'polls')
    httpError(await requestPoll(options, { session: connection.session, token: ctx.tokens.of('b'), ack: 0 }), 'FORBIDDEN', `POST ${ROUTES.poll.path} to replica 2 with user B's token on A's session`)
  },
}

export const crossReplicaRecovery: ConformanceCase = {
  name: 'cross-replica-recovery',
  level: 'multi-replica',
  title: 'history and idempotency keys are shared: since from replica 1 recovers on replica 2, and a key used on replica 1 is a duplicate on replica 2',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const url2 = ctx.requireUrl2()
    const { channel, publisher, positions } = await publishedChannel(ctx, 4)
    const reader = await ctx.connect('a', { url: url2 })
    const result = await subscribe(reader, channel, positions[1])
    check(result.recovered === true && isDeepStrictEqual(result.position, positions[1]), `${reader.label}: subscribe on replica 2 since a position from replica 1 recovers`, { expected: `{"position":${brief(positions[1])},"recovered":true}`, received: result })
    for (const [index, position] of positions.slice(2).entries()) await expectMessage(reader, channel, position, { event: 'conformance.many', data: { n: index + 3 } })

    const key = newKey()
    const first = await publish(publisher, channel, { key: 'once' }, { key })
    const elsewhere = await ctx.connect('b', { url: url2 })
    const repeat = publishResult(await elsewhere.command('publish', { channel, event: 'conformance', data: { key: 'once' }, key }), `${elsewhere.label}: the same publish on replica 2`)
    check(repeat.duplicate === true && isDeepStrictEqual(repeat.position, first), `${elsewhere.label}: a key used on replica 1 is a duplicate on replica 2, with the first position`, { expected: `{"position":${brief(first)},"duplicate":true}`, received: repeat })
  },
}
