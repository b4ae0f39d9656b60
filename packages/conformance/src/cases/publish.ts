import { isDeepStrictEqual } from 'node:util'
import { ROUTES, type MessageFrame, type Position } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { httpError, httpStatus } from '../expectations'
import { brief, check } from '../failure'
import { isPosition } from '../frameShape'
import { shown } from '../http'
import type { Connection } from '../transports/connection'
import { newKey, publish, publishResult, subscribe } from '../steps'

/** Non-ASCII text, nesting, null and numbers: what a JSON round trip must keep. */
const SAMPLE = { text: 'héllo ✓ 👋', nested: { list: [1, 2.5, null, true], empty: {} }, none: null }

/** Waits for the message at `position` and checks it is the one published. */
export async function expectMessage(connection: Connection, channel: string, position: Position, { event, data }: { event: string; data: unknown }): Promise<MessageFrame> {
  const message = await connection.log.message(channel, position.offset)
  const expected = { type: 'message', channel, event, data, pos: position }
  const got = { type: message.type, channel: message.channel, event: message.event, data: message.data, pos: message.pos }
  check(isDeepStrictEqual(got, expected), `${connection.label}: the message at offset ${position.offset} on ${channel} is the one published, with the position the publish reply gave`, { expected: brief(expected), received: message })
  return message
}

export const publishReceive: ConformanceCase = {
  name: 'publish-receive',
  level: 'core',
  title: 'a publish reaches every subscriber, the publisher included, at cursor + 1, + 2, … with its data intact',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = ctx.channel('both')
    const publisher = await ctx.connect('a')
    const reader = await ctx.connect('b')
    const cursor = (await subscribe(publisher, channel)).position
    await subscribe(reader, channel)
    const positions: Position[] = []
    for (let n = 1; n <= 3; n++) {
      const data = { ...SAMPLE, n }
      const position = await publish(publisher, channel, data, { event: 'conformance.sample' })
      check(position.epoch === cursor.epoch && position.offset === cursor.offset + n, `${publisher.label}: publish ${n} on ${channel} takes offset cursor + ${n}`, { expected: brief({ epoch: cursor.epoch, offset: cursor.offset + n }), received: position })
      positions.push(position)
      for (const connection of [publisher, reader]) await expectMessage(connection, channel, position, { event: 'conformance.sample', data })
    }
  },
}

export const idempotentPublish: ConformanceCase = {
  name: 'idempotent-publish',
  level: 'core',
  title: "a repeated key is duplicate: true with the first position and is delivered once; keys are scoped per publisher, so B's same key is a new message",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = ctx.channel('both')
    const a = await ctx.connect('a')
    const b = await ctx.connect('b')
    await subscribe(a, channel)
    await subscribe(b, channel)
    const key = newKey()
    const first = await publish(a, channel, { try: 1 }, { key })
    const repeat = publishResult(await a.command('publish', { channel, event: 'conformance', data: { try: 1 }, key }), `${a.label}: the same publish again (same key)`)
    check(repeat.duplicate === true && isDeepStrictEqual(repeat.position, first), `${a.label}: a repeated key is acknowledged with duplicate: true and the first position ${brief(first)}`, { expected: `{"position":${brief(first)},"duplicate":true}`, received: repeat })
    const other = publishResult(await b.command('publish', { channel, event: 'conformance', data: { from: 'b' }, key }), `${b.label}: a publish with A's key`)
    check(other.duplicate === false, `${b.label}: keys are scoped per publisher, so B's publish with A's key is a new message`, { expected: '"duplicate": false and a new position', received: other })
    const marker = await publish(a, channel, { marker: true })
    for (const connection of [a, b]) {
      await connection.log.message(channel, marker.offset)
      const offsets = connection.log.messages(channel).map((message) => message.pos.offset)
      check(offsets.join() === [first.offset, other.position.offset, marker.offset].join(), `${connection.label}: the repeated publish is not delivered again`, { expected: `offsets ${first.offset}, ${other.position.offset}, ${marker.offset}`, received: connection.log.messages(channel) })
    }
  },
}

export const publishApi: ConformanceCase = {
  name: 'publish-api',
  level: 'core',
  title: 'POST /publish with the API key publishes (200 {position, duplicate}, idempotent by key); without it 401 UNAUTHORIZED',
  async run(ctx) {
    const apiKey = ctx.requireConfig('apiKey')
    const channel = ctx.channel('both')
    const reader = await ctx.connect('a')
    await subscribe(reader, channel)
    const post = (body: unknown, key?: string) => ctx.http('POST', ROUTES.publish.path, { headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) })
    const message = { channel, event: 'conformance.api', data: SAMPLE, key: newKey() }
    httpError(await post(message), 'UNAUTHORIZED', `POST ${ROUTES.publish.path} without an API key`)
    httpError(await post(message, `${apiKey}-wrong`), 'UNAUTHORIZED', `POST ${ROUTES.publish.path} with a wrong API key`)
    httpError(await post({ channel, event: 'conformance.api' }, apiKey), 'BAD_REQUEST', `POST ${ROUTES.publish.path} without "data"`)
    const answer = await post(message, apiKey)
    httpStatus(answer, 200, `POST ${ROUTES.publish.path} with the API key`)
    const result = answer.body as { position?: Position; duplicate?: boolean }
    check(isPosition(result?.position) && result.duplicate === false, `POST ${ROUTES.publish.path} answers {position, duplicate: false}`, { expected: '{"position":{"epoch","offset"},"duplicate":false}', received: shown(answer) })
    await expectMessage(reader, channel, result.position, { event: message.event, data: SAMPLE })
    const repeat = await post(message, apiKey)
    const repeated = repeat.body as { position?: Position; duplicate?: boolean }
    check(repeat.status === 200 && repeated?.duplicate === true && isDeepStrictEqual(repeated.position, result.position), `POST ${ROUTES.publish.path} again with the same key is duplicate: true with the first position`, {
      expected: `200 {"position":${brief(result.position)},"duplicate":true}`,
      received: shown(repeat),
    })
  },
}
