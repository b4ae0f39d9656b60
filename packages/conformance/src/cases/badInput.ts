import type { ErrorCode, ErrorFrame, ReplyFrame } from '@lifeline/protocol'
import type { CaseContext } from '../caseContext'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import { errorReply, httpError, httpStatus, okResult } from '../expectations'
import { check } from '../failure'
import type { Connection } from '../transports/connection'
import { WebSocketConnection } from '../transports/webSocketConnection'
import { newKey, noViolations, stillServes } from '../steps'

/**
 * Sends a bad frame and checks its answer: over WebSocket a reply to `id` with `code`, or an `error`
 * frame when the frame has no readable id; over HTTP upstream the POST's error status and code.
 */
export async function expectRefusedFrame(connection: Connection, text: string, { id, type, code, what }: { id?: number; type?: string; code: ErrorCode; what: string }): Promise<void> {
  const from = connection.log.frames.length
  const command = id === undefined ? undefined : { id, type: type ?? 'unknown' }
  const answer = await connection.sendRaw(text, command)
  if (answer) return httpError(answer, code, `${connection.label}: POST /sse/send of ${what}`)
  if (id !== undefined) return errorReply(await connection.log.reply(id), code, `${connection.label}: ${what}`)
  const frame = await connection.log.wait<ErrorFrame>((candidate) => candidate.type === 'error' && connection.log.frames.indexOf(candidate) >= from, `an error frame ${code} for ${what}`)
  check(frame.error?.code === code, `${connection.label}: ${what} is answered with an error frame ${code}`, { expected: `{"type":"error","error":{"code":"${code}",…}}`, received: frame })
}

export const malformedFrames: ConformanceCase = {
  name: 'malformed-frames',
  level: 'core',
  title: 'malformed frames get BAD_REQUEST (an error frame without a readable id, a reply with one) and the connection stays',
  transports: EVERY_TRANSPORT,
  async run(ctx: CaseContext) {
    const connection = await ctx.connect('a')
    const channel = ctx.channel('both')
    const bad: { text: string; what: string; id?: number; type?: string }[] = [
      { text: 'not json {', what: 'a frame that is not JSON' },
      { text: '[1,2,3]', what: 'a JSON array' },
      { text: '{"type":"ping"}', what: 'a command without an id' },
    ]
    const subscribeId = connection.nextId()
    const publishId = connection.nextId()
    bad.push(
      { text: JSON.stringify({ id: subscribeId, type: 'subscribe' }), what: 'a subscribe without a channel', id: subscribeId, type: 'subscribe' },
      { text: JSON.stringify({ id: publishId, type: 'publish', channel, event: 'e', data: 1 }), what: 'a publish without a key', id: publishId, type: 'publish' },
    )
    const invalidChannelId = connection.nextId()
    bad.push({ text: JSON.stringify({ id: invalidChannelId, type: 'subscribe', channel: 'not a valid channel!' }), what: 'a subscribe to an invalid channel name', id: invalidChannelId, type: 'subscribe' })
    for (const frame of bad) {
      // Over HTTP a frame with a readable id is still refused by the POST's status: no reply follows.
      await expectRefusedFrame(connection, frame.text, { ...frame, code: 'BAD_REQUEST' })
    }
    if (connection instanceof WebSocketConnection) await expectBinaryRefused(connection)
    await stillServes(connection, 'malformed frames')
  },
}

/** A binary WebSocket message: the protocol is text, so an error frame BAD_REQUEST. */
async function expectBinaryRefused(connection: WebSocketConnection): Promise<void> {
  const from = connection.log.frames.length
  await connection.sendBinary(new Uint8Array([0x7b, 0x7d]))
  const frame = await connection.log.wait<ErrorFrame>((candidate) => candidate.type === 'error' && connection.log.frames.indexOf(candidate) >= from, 'an error frame BAD_REQUEST for a binary message')
  check(frame.error?.code === 'BAD_REQUEST', `${connection.label}: a binary message is answered with an error frame BAD_REQUEST`, { expected: '{"type":"error","error":{"code":"BAD_REQUEST",…}}', received: frame })
}

export const unknownCommand: ConformanceCase = {
  name: 'unknown-command',
  level: 'core',
  title: 'a command of an unknown type gets UNKNOWN_COMMAND and the connection stays',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const connection = await ctx.connect('a')
    const id = connection.nextId()
    await expectRefusedFrame(connection, JSON.stringify({ id, type: 'frobnicate' }), { id, type: 'frobnicate', code: 'UNKNOWN_COMMAND', what: 'a command of type "frobnicate"' })
    await stillServes(connection, 'an unknown command')
  },
}

export const oneReplyPerCommand: ConformanceCase = {
  name: 'one-reply-per-command',
  level: 'core',
  title: 'every command gets exactly one reply, in the order the commands were sent',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const connection = await ctx.connect('a')
    const channel = ctx.channel('both')
    const other = ctx.channel('both')
    const commands: { frame: Record<string, unknown>; code?: ErrorCode }[] = [
      { frame: { type: 'ping' } },
      { frame: { type: 'subscribe', channel } },
      { frame: { type: 'subscribe', channel }, code: 'ALREADY_SUBSCRIBED' },
      { frame: { type: 'publish', channel, event: 'conformance', data: { n: 1 }, key: newKey() } },
      { frame: { type: 'unsubscribe', channel: other }, code: 'NOT_SUBSCRIBED' },
      { frame: { type: 'unsubscribe', channel } },
      { frame: { type: 'unsubscribe', channel }, code: 'NOT_SUBSCRIBED' },
      { frame: { type: 'ping' } },
    ]
    // Over WebSocket all at once (the server must answer in order); over HTTP one POST after another.
    const ids: number[] = []
    for (const { frame } of commands) {
      const id = connection.nextId()
      ids.push(id)
      const answer = await connection.sendRaw(JSON.stringify({ id, ...frame }), { id, type: String(frame.type), ...(typeof frame.channel === 'string' ? { channel: frame.channel } : {}) })
      if (answer) httpStatus(answer, 202, `${connection.label}: POST /sse/send of ${String(frame.type)} (command ${id})`)
    }
    const replies: ReplyFrame[] = []
    for (const id of ids) replies.push(await connection.log.reply(id))
    commands.forEach(({ frame, code }, index) => {
      const reply = replies[index]!
      if (code) errorReply(reply, code, `${connection.label}: ${frame.type} (command ${reply.id})`)
      else okResult(reply, `${connection.label}: ${frame.type} (command ${reply.id})`)
    })
    // A ping round trip after the last: any late second reply is in by then, and the log flags it.
    await stillServes(connection, 'a burst of commands')
    noViolations(connection)
    const order = connection.log.frames.flatMap((frame) => (frame.type === 'reply' && ids.includes(frame.id) ? [frame.id] : []))
    check(order.join() === ids.join(), `${connection.label}: replies come in the order the commands were sent`, { expected: `replies to ${ids.join(', ')} in that order`, received: { replyOrder: order } })
  },
}
