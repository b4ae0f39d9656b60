import { ERRORS, type ErrorCode, type ReplyFrame } from '@lifeline/protocol'
import { CaseFailure } from './failure'
import { errorCodeOf, shown, type HttpAnswer } from './http'

/** The result of an ok reply; fails the case with the reply otherwise. */
export function okResult<T>(reply: ReplyFrame, what: string): T {
  if (!reply.ok) throw new CaseFailure(`${what}: expected an ok reply, got ${reply.error?.code}`, { expected: `{"type":"reply","id":${reply.id},"ok":true,…}`, received: reply })
  return reply.result as T
}

/** Fails the case unless `reply` is an error reply with `code` (one of `code` when several are allowed). */
export function errorReply(reply: ReplyFrame, code: ErrorCode | ErrorCode[], what: string): void {
  const codes = Array.isArray(code) ? code : [code]
  if (!reply.ok && codes.includes(reply.error?.code)) return
  throw new CaseFailure(`${what}: expected an error reply ${codes.join(' or ')}, got ${reply.ok ? 'ok' : reply.error?.code}`, {
    expected: `{"type":"reply","id":${reply.id},"ok":false,"error":{"code":"${codes.join('" | "')}",…}}`,
    received: reply,
  })
}

/** Fails the case unless the answer is the protocol's HTTP error for `code`: its status and `{"error":{"code"}}`. */
export function httpError(answer: HttpAnswer, code: ErrorCode | ErrorCode[], what: string, headers: string[] = []): void {
  const codes = Array.isArray(code) ? code : [code]
  const received = errorCodeOf(answer)
  const match = codes.find((candidate) => candidate === received)
  if (match && answer.status === ERRORS[match].status) return
  const expected = codes.map((candidate) => `${ERRORS[candidate].status} {"error":{"code":"${candidate}",…}}`).join(' or ')
  throw new CaseFailure(`${what}: expected ${expected}, got ${answer.status}${received ? ` ${received}` : ''}`, { expected, received: shown(answer, headers) })
}

/** Fails the case unless the answer has `status`. */
export function httpStatus(answer: HttpAnswer, status: number, what: string, headers: string[] = []): void {
  if (answer.status === status) return
  throw new CaseFailure(`${what}: expected HTTP ${status}, got ${answer.status}${errorCodeOf(answer) ? ` ${errorCodeOf(answer)}` : ''}`, { expected: `HTTP ${status}`, received: shown(answer, headers) })
}
