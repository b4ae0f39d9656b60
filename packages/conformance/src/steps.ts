import { randomUUID } from 'node:crypto'
import { CLOSES, type ErrorCode, type Position, type PublishResult, type ReplyFrame, type SubscribeResult, type TransportName } from '@lifeline/protocol'
import type { CaseContext } from './caseContext'
import { errorReply, httpError, okResult } from './expectations'
import { brief, CaseFailure, check } from './failure'
import { isPosition } from './frameShape'
import type { Ended } from './frameLog'
import type { HttpAnswer } from './http'
import type { User } from './tokens'
import type { Connection } from './transports/connection'
import { requestPollConnect } from './transports/longPollConnection'
import { requestTicket } from './transports/sseConnection'

/** A fresh idempotency key. */
export const newKey = () => `conformance-${randomUUID()}`

/** Subscribes and checks the reply's shape: `{position: {epoch, offset}, recovered}`. */
export async function subscribe(connection: Connection, channel: string, since?: Position): Promise<SubscribeResult> {
  const reply = await connection.command('subscribe', { channel, ...(since ? { since } : {}) })
  const result = okResult<SubscribeResult>(reply, `${connection.label}: subscribe to ${channel}${since ? ` since ${brief(since)}` : ''}`)
  check(isPosition(result.position) && typeof result.recovered === 'boolean', `${connection.label}: a subscribe reply's result is {position: {epoch, offset}, recovered: boolean}`, {
    expected: '{"position":{"epoch":"…","offset":<integer>},"recovered":<boolean>}',
    received: reply,
  })
  return result
}

/** Publishes one message and checks the reply: `{position, duplicate: false}`. Returns the position. */
export async function publish(connection: Connection, channel: string, data: unknown, { event = 'conformance', key = newKey() }: { event?: string; key?: string } = {}): Promise<Position> {
  const reply = await connection.command('publish', { channel, event, data, key })
  const result = publishResult(reply, `${connection.label}: publish to ${channel}`)
  check(result.duplicate === false, `${connection.label}: a publish with a new key is not a duplicate`, { expected: '"duplicate": false', received: reply })
  return result.position
}

/** The result of a publish reply, checked for shape. */
export function publishResult(reply: ReplyFrame, what: string): PublishResult {
  const result = okResult<PublishResult>(reply, what)
  check(isPosition(result.position) && typeof result.duplicate === 'boolean', `${what}: a publish reply's result is {position: {epoch, offset}, duplicate: boolean}`, {
    expected: '{"position":{"epoch":"…","offset":<integer>},"duplicate":<boolean>}',
    received: reply,
  })
  return result
}

/** A `ping` command answered ok: the connection still serves. */
export async function stillServes(connection: Connection, after: string): Promise<void> {
  okResult(await connection.command('ping', {}), `${connection.label}: a ping after ${after} (the connection must stay usable)`)
}

/** Fails the case with the first thing `connection` noticed on its own (a second reply, a skipped offset), if any. */
export function noViolations(connection: Connection): void {
  const [violation] = connection.log.violations
  if (violation) throw new CaseFailure(violation.message, { received: violation.frame })
}

/** `promise`, or a failure made by `failure()` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, failure: () => CaseFailure): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(failure()), ms)))]).finally(() => clearTimeout(timer))
}

const closeName = (code: number) => `${code}${code in CLOSES ? ` ${CLOSES[code as keyof typeof CLOSES].name}` : ''}`

/**
 * Waits for the server to end `connection` with `code`: a `disconnect` frame with the code on every
 * transport, and the WebSocket close code; the stream or the polls end after it.
 */
export async function expectServerClose(connection: Connection, code: number, what: string, waitMs: number): Promise<Ended> {
  const ended = await within(connection.ended, waitMs, () => new CaseFailure(`${what}: the server did not end ${connection.label} within ${waitMs} ms`, { expected: `a disconnect frame with code ${closeName(code)}, then the end of the connection`, received: connection.log.recent() }))
  const disconnect = ended.disconnect
  const refusal = CLOSES[code as keyof typeof CLOSES]?.error
  // A poll sent with the token after it expired is refused 401 TOKEN_EXPIRED before it can collect the
  // disconnect frame: over long-polling that answer says the same.
  if (connection.transport === 'long-polling' && !disconnect && refusal !== undefined && ended.refusal === refusal) return ended
  if (connection.transport === 'websocket') {
    check(ended.code === code, `${what}: expected the WebSocket to close with ${closeName(code)}, it ${ended.how}`, { expected: `close code ${code}`, received: { close: ended.how, disconnect } })
  }
  check(disconnect?.code === code, `${what}: expected a disconnect frame with code ${closeName(code)} before the end`, {
    expected: `{"type":"disconnect","code":${code},"reason":"…"}`,
    received: disconnect ?? connection.log.recent(),
  })
  return ended
}

/** What a handshake attempt got: a reply over WebSocket, an HTTP answer over SSE (ticket) and long-polling (opening). */
export type Attempt = { kind: 'websocket'; reply: ReplyFrame; connection: Connection } | { kind: 'http'; answer: HttpAnswer; path: string }

/** Tries to connect `user` over `transport` with `token` (undefined: none) and version `v`. */
export async function attemptConnect(ctx: CaseContext, transport: TransportName, { user = 'a', token, v }: { user?: User; token: string | undefined; v?: number }): Promise<Attempt> {
  const options = ctx.options(user)
  if (transport === 'websocket') {
    const connection = await ctx.openWebSocket(user)
    return { kind: 'websocket', reply: await connection.handshake(token, v), connection }
  }
  const answer = transport === 'sse' ? await requestTicket(options, { token, ...(v === undefined ? {} : { v }) }) : await requestPollConnect(options, { token, ...(v === undefined ? {} : { v }) })
  return { kind: 'http', answer, path: transport === 'sse' ? 'POST /sse/ticket' : 'POST /poll/connect' }
}

/** A refused handshake: over WebSocket the connect reply's error and the close code, over HTTP the error status and code. */
export async function expectConnectRefused(ctx: CaseContext, attempt: Attempt, code: ErrorCode | ErrorCode[], closeCode: number, what: string): Promise<void> {
  if (attempt.kind === 'http') return httpError(attempt.answer, code, `${attempt.path} ${what}`)
  errorReply(attempt.reply, code, `connect over websocket ${what}`)
  await expectServerClose(attempt.connection, closeCode, `connect over websocket ${what}`, ctx.waitMs)
}
