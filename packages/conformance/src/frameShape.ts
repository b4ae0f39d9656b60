import { ERROR_CODES, type ServerFrame } from '@lifeline/protocol'

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0
const CODES = new Set<string>(ERROR_CODES)

function errorBodyProblem(error: unknown): string | undefined {
  if (!isObject(error)) return '"error" must be an object {code, message, retryAfterMs?}'
  if (typeof error.code !== 'string' || !CODES.has(error.code)) return `error code ${JSON.stringify(error.code)} is not a code of protocol v1`
  if (typeof error.message !== 'string') return 'error "message" must be a string'
  if (error.retryAfterMs !== undefined && !(typeof error.retryAfterMs === 'number' && error.retryAfterMs >= 0)) return '"retryAfterMs" must be a non-negative number'
  return undefined
}

function positionProblem(pos: unknown, name: string): string | undefined {
  if (!isObject(pos) || typeof pos.epoch !== 'string' || pos.epoch === '' || !isCount(pos.offset)) return `"${name}" must be {epoch: non-empty string, offset: integer >= 0}`
  return undefined
}

/**
 * What is wrong with a message's `meta`, or `undefined`. Checked by the message-meta case, not on
 * every frame: a server without stamps then fails that case, with this, rather than every case.
 */
export function metaProblem(meta: unknown): string | undefined {
  if (!isObject(meta) || !(meta.publisher === null || typeof meta.publisher === 'string') || !isCount(meta.time)) {
    return 'message "meta" must be {publisher: string or null, time: integer >= 0}, stamped by the server'
  }
  return undefined
}

const PRESENCE_ACTIONS = new Set(['join', 'leave', 'update'])

function presenceProblem(value: Record<string, unknown>): string | undefined {
  if (typeof value.channel !== 'string' || !PRESENCE_ACTIONS.has(value.action as string)) return 'presence needs a "channel" and an "action" of join, leave or update'
  const member = value.member
  if (!isObject(member) || typeof member.sub !== 'string' || !isCount(member.connections)) return 'presence "member" must be {sub, connections, data?}'
  if ((value.action === 'leave') !== (member.connections === 0)) return 'a presence member has 0 connections in a leave, and only there'
  return undefined
}

/**
 * Reads one server frame and says what is wrong with its shape, if anything. A frame with a known
 * `type` is returned even when a field is off, so a case can go on and report the field.
 */
export function readServerFrame(text: string): { frame?: ServerFrame; problem?: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: 'server frame is not valid JSON' }
  }
  if (!isObject(value)) return { problem: 'server frame is not a JSON object' }
  const frame = value as unknown as ServerFrame
  switch (value.type) {
    case 'reply':
      if (!isCount(value.id)) return { frame, problem: 'reply "id" must be a non-negative integer' }
      if (value.ok === true) return { frame, ...(isObject(value.result) ? {} : { problem: 'an ok reply needs a "result" object' }) }
      if (value.ok === false) return { frame, ...optional(errorBodyProblem(value.error)) }
      return { frame, problem: 'reply "ok" must be true or false' }
    case 'message':
      if (typeof value.channel !== 'string' || typeof value.event !== 'string' || !('data' in value)) return { frame, problem: 'message needs "channel", "event" and "data"' }
      return { frame, ...optional(positionProblem(value.pos, 'pos') ?? ((value.pos as { offset: number }).offset < 1 ? 'message offsets start at 1' : undefined)) }
    case 'presence':
      return { frame, ...optional(presenceProblem(value)) }
    case 'ping':
      return { frame }
    case 'error':
      return { frame, ...optional(errorBodyProblem(value.error)) }
    case 'disconnect':
      if (!Number.isInteger(value.code) || typeof value.reason !== 'string') return { frame, problem: 'disconnect needs an integer "code" and a string "reason"' }
      return { frame }
    case 'unsubscribed':
      if (typeof value.channel !== 'string') return { frame, problem: 'unsubscribed needs a "channel"' }
      return { frame, ...optional(errorBodyProblem(value.error)) }
    default:
      return { problem: `unknown server frame type ${JSON.stringify(value.type)}` }
  }
}

const optional = (problem: string | undefined) => (problem === undefined ? {} : { problem })

/** Whether `value` is a position `{epoch, offset}`. */
export const isPosition = (value: unknown): value is { epoch: string; offset: number } => positionProblem(value, 'position') === undefined
