import { ROUTES, type CommandType, type ReplyFrame } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { errorReply, httpError, httpStatus, okResult } from '../expectations'
import { check, NotApplicable } from '../failure'
import { shown } from '../http'
import type { CommandFields, Connection } from '../transports/connection'
import { newKey, publishResult, stillServes, subscribe } from '../steps'
import { expectRefusedFrame } from './badInput'

/** `build(padding)` with the padding that makes it exactly `bytes` bytes long (ASCII throughout). */
export function sized(bytes: number, build: (padding: string) => string): string {
  const text = build('x'.repeat(Math.max(0, bytes - build('').length)))
  if (text.length !== bytes) throw new Error(`cannot build a frame of ${bytes} bytes`)
  return text
}

/** Sends a command, waiting out RATE_LIMITED answers as advised (bounded), and returns its reply. */
export async function commandPaced<T extends CommandType>(connection: Connection, type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
  for (let attempt = 1; ; attempt++) {
    const id = connection.nextId()
    const answer = await connection.sendRaw(JSON.stringify({ id, type, ...fields }), { id, type, ...('channel' in fields ? { channel: String(fields.channel) } : {}) })
    const limited = answer?.status === 429 ? (answer.body as { error?: { retryAfterMs?: number } }).error : undefined
    const reply = answer && answer.status !== 202 ? undefined : await connection.log.reply(id)
    if (answer && !limited) httpStatus(answer, 202, `${connection.label}: POST ${ROUTES.send.path} of ${type}`)
    const advice = limited ?? (reply && !reply.ok && reply.error?.code === 'RATE_LIMITED' ? reply.error : undefined)
    if (!advice) return reply!
    if (attempt >= 50) throw new NotApplicable(`${type} stayed RATE_LIMITED for 50 tries`)
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(advice.retryAfterMs ?? 100, 10), 5000)))
  }
}

export const frameTooLarge: ConformanceCase = {
  name: 'frame-too-large',
  level: 'limits',
  title: 'a frame of limits.maxFrameBytes is taken; one byte more is FRAME_TOO_LARGE (a reply when the id is at an edge, an error frame otherwise, 413 over HTTP) and the connection stays',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const limit = ctx.config.limits.maxFrameBytes
    const channel = ctx.channel('both')
    const connection = await ctx.connect('a')
    await subscribe(connection, channel)
    const publishFrame = (id: number, bytes: number, idLast = false) =>
      sized(bytes, (padding) => (idLast ? JSON.stringify({ type: 'publish', channel, event: 'conformance', data: padding, key: newKey(), id }) : JSON.stringify({ id, type: 'publish', channel, event: 'conformance', data: padding, key: newKey() })))

    // At the limit: taken and delivered.
    const atLimit = connection.nextId()
    const answer = await connection.sendRaw(publishFrame(atLimit, limit), { id: atLimit, type: 'publish', channel })
    if (answer) httpStatus(answer, 202, `${connection.label}: POST ${ROUTES.send.path} of a publish of exactly ${limit} bytes`)
    const delivered = publishResult(await connection.log.reply(atLimit), `${connection.label}: a publish frame of exactly limits.maxFrameBytes (${limit} bytes)`)
    await connection.log.message(channel, delivered.position.offset)

    for (const idLast of [false, true]) {
      const id = connection.nextId()
      await expectRefusedFrame(connection, publishFrame(id, limit + 1, idLast), { id, type: 'publish', code: 'FRAME_TOO_LARGE', what: `a publish of ${limit + 1} bytes with its id ${idLast ? 'last' : 'first'}` })
    }
    if (connection.transport === 'websocket') {
      // The id sits between two long members: a server need not parse that far, an error frame will do.
      const id = connection.nextId()
      const buried = sized(limit + 1, (padding) => JSON.stringify({ type: 'ping', head: padding.slice(0, padding.length >> 1), id, tail: padding.slice(padding.length >> 1) }))
      const from = connection.log.frames.length
      await connection.sendRaw(buried, { id, type: 'ping' })
      const frame = await connection.log.wait((candidate) => (candidate.type === 'error' || (candidate.type === 'reply' && candidate.id === id)) && connection.log.frames.indexOf(candidate) >= from, 'a FRAME_TOO_LARGE error frame (or reply) for an oversized frame whose id is in the middle')
      const code = frame.type === 'error' ? frame.error?.code : frame.type === 'reply' && !frame.ok ? frame.error?.code : undefined
      check(code === 'FRAME_TOO_LARGE', `${connection.label}: an oversized frame with its id in the middle gets FRAME_TOO_LARGE`, { expected: '{"type":"error","error":{"code":"FRAME_TOO_LARGE",…}}', received: frame })
    }
    await stillServes(connection, 'oversized frames')
    const offsets = connection.log.messages(channel).map((message) => message.pos.offset)
    check(offsets.length === 1, `${connection.label}: no refused publish is delivered`, { expected: `only offset ${delivered.position.offset}`, received: connection.log.messages(channel) })
  },
}

export const tooManySubscriptions: ConformanceCase = {
  name: 'too-many-subscriptions',
  level: 'limits',
  title: 'limits.maxSubscriptions subscriptions are taken, one more is TOO_MANY_SUBSCRIPTIONS, and an unsubscribe makes room',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    if (!ctx.freshChannels) throw new NotApplicable('needs distinct channels: config.channels.both without "{unique}"')
    const max = ctx.config.limits.maxSubscriptions
    ctx.allow(max * 50)
    const connection = await ctx.connect('a')
    const channels = Array.from({ length: max + 1 }, () => ctx.channel('both'))
    for (const channel of channels.slice(0, max)) okResult(await commandPaced(connection, 'subscribe', { channel }), `${connection.label}: subscription ${channels.indexOf(channel) + 1} of limits.maxSubscriptions (${max})`)
    const extra = channels[max]!
    errorReply(await commandPaced(connection, 'subscribe', { channel: extra }), 'TOO_MANY_SUBSCRIPTIONS', `${connection.label}: subscription ${max + 1}, over limits.maxSubscriptions (${max})`)
    okResult(await commandPaced(connection, 'unsubscribe', { channel: channels[0]! }), `${connection.label}: unsubscribe`)
    okResult(await commandPaced(connection, 'subscribe', { channel: extra }), `${connection.label}: subscribe after an unsubscribe made room`)
  },
}

export const rateLimit: ConformanceCase = {
  name: 'rate-limit',
  level: 'limits',
  title: 'commands over the rate get RATE_LIMITED with retryAfterMs (429 over HTTP), each still exactly one answer; after the advised wait the connection serves again',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const { rateLimitBurst: burst, floodFrames } = ctx.config.limits
    const connection = await ctx.connect('a')
    let retryAfterMs: number | undefined
    if (connection.transport === 'websocket') {
      // Over the burst, well under the flood that closes the connection.
      const count = Math.min(burst * 2 + 10, burst + (floodFrames >> 1))
      const ids = Array.from({ length: count }, () => connection.nextId())
      for (const id of ids) await connection.sendRaw(JSON.stringify({ id, type: 'ping' }), { id, type: 'ping' })
      const replies = await Promise.all(ids.map((id) => connection.log.reply(id)))
      const limited = replies.filter((reply) => !reply.ok)
      for (const reply of limited) errorReply(reply, 'RATE_LIMITED', `${connection.label}: one of ${count} pings sent at once`)
      check(limited.length > 0, `${connection.label}: ${count} pings at once (limits.rateLimitBurst ${burst}) get some RATE_LIMITED replies`, { expected: 'RATE_LIMITED replies past the burst', received: { ok: replies.length - limited.length, limited: 0 } })
      for (const reply of limited) {
        const advice = reply.ok ? undefined : reply.error.retryAfterMs
        check(typeof advice === 'number' && advice > 0, `${connection.label}: a RATE_LIMITED reply carries retryAfterMs`, { expected: '"retryAfterMs": <ms>', received: reply })
        retryAfterMs = Math.max(retryAfterMs ?? 0, advice)
      }
    } else {
      // Ten POSTs at a time (one at a time, a slow server would never see more than its rate) until the first 429, bounded.
      for (let sent = 0; sent < burst * 4 + 40 && retryAfterMs === undefined; sent += 10) {
        const ids = Array.from({ length: 10 }, () => connection.nextId())
        const answers = await Promise.all(ids.map(async (id) => (await connection.sendRaw(JSON.stringify({ id, type: 'ping' }), { id, type: 'ping' }))!))
        for (const [index, refused] of answers.entries()) {
          if (refused.status === 202) continue
          httpError(refused, 'RATE_LIMITED', `${connection.label}: POST ${ROUTES.send.path} number ${sent + index + 1} in a burst`)
          const advice = (refused.body as { error: { retryAfterMs?: number } }).error.retryAfterMs
          check(typeof advice === 'number' && advice > 0, `${connection.label}: a 429 RATE_LIMITED carries retryAfterMs`, { expected: '{"error":{"code":"RATE_LIMITED","retryAfterMs":<ms>,…}}', received: shown(refused) })
          retryAfterMs = Math.max(retryAfterMs ?? 0, advice)
        }
      }
      check(retryAfterMs !== undefined, `${connection.label}: ${burst * 4 + 40} upstream POSTs, ten at a time (limits.rateLimitBurst ${burst}) never got 429 RATE_LIMITED`, { expected: '429 RATE_LIMITED past the burst' })
    }
    // The advice holds: after waiting it, a command goes through. Commands still in flight when the
    // advice was given may take the first refill, so the advice of a second refusal is honoured too.
    let waitMs = Math.min(retryAfterMs!, ctx.config.timeouts.caseMs / 4)
    for (let attempt = 1; ; attempt++) {
      ctx.allow(waitMs)
      await new Promise((resolve) => setTimeout(resolve, waitMs))
      const id = connection.nextId()
      const answer = await connection.sendRaw(JSON.stringify({ id, type: 'ping' }), { id, type: 'ping' })
      const reply = answer && answer.status !== 202 ? undefined : await connection.log.reply(id)
      const advice = answer?.status === 429 ? (answer.body as { error?: { retryAfterMs?: number } }).error?.retryAfterMs : reply && !reply.ok && reply.error?.code === 'RATE_LIMITED' ? reply.error.retryAfterMs : undefined
      if (advice === undefined || attempt === 3) {
        if (answer) httpStatus(answer, 202, `${connection.label}: a ping after waiting the advised ${waitMs} ms`)
        okResult(reply!, `${connection.label}: a ping after waiting the advised ${waitMs} ms`)
        return
      }
      waitMs = Math.min(advice, ctx.config.timeouts.caseMs / 4)
    }
  },
}
