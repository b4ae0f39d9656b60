import { MAX_PRESENCE_DATA_BYTES, type ClientFrame, type ErrorBody, type Position, type PresenceRequest } from './frames'

export type ParsedCommand =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id?: number; error: ErrorBody }

/** Channel names: 1–128 characters of letters, digits and `_ - : . @`. */
export const CHANNEL_NAME = /^[\w\-:.@]{1,128}$/

const MAX_KEY_LENGTH = 128
const MAX_EVENT_LENGTH = 128

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isPosition = (value: unknown): value is Position =>
  isObject(value) &&
  typeof value.epoch === 'string' &&
  value.epoch.length > 0 &&
  value.epoch.length <= 64 &&
  Number.isSafeInteger(value.offset) &&
  (value.offset as number) >= 0

const isName = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max

const bad = (message: string, id?: number): ParsedCommand => ({
  ok: false,
  ...(id === undefined ? {} : { id }),
  error: { code: 'BAD_REQUEST', message },
})

/**
 * Validates one client frame. Used by the server; every rejection carries the error code the
 * protocol documents, and the frame's `id` when one could be read.
 */
export function parseCommand(raw: string, maxFrameBytes: number): ParsedCommand {
  // Length in UTF-16 units is a lower bound of the byte length; measure bytes only when close.
  if (raw.length > maxFrameBytes || (raw.length * 3 > maxFrameBytes && byteLength(raw) > maxFrameBytes)) {
    const error: ErrorBody = { code: 'FRAME_TOO_LARGE', message: `Frame exceeds ${maxFrameBytes} bytes` }
    const id = edgeId(raw)
    // With the id, the server's answer is a reply that settles the sender's command (a publish
    // would otherwise wait for its queue to expire); without it, an error frame.
    return id === undefined ? { ok: false, error } : { ok: false, id, error }
  }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return bad('Frame is not valid JSON')
  }
  if (!isObject(value)) return bad('Frame must be a JSON object')
  if (value.type === 'pong') return { ok: true, frame: { type: 'pong' } }
  const id = value.id
  if (!Number.isSafeInteger(id) || (id as number) < 0) return bad('Command needs a non-negative integer "id"')
  const cid = id as number
  switch (value.type) {
    case 'connect':
      if (!Number.isSafeInteger(value.v)) return bad('connect needs a protocol version "v"', cid)
      if (value.token !== undefined && typeof value.token !== 'string') return bad('"token" must be a string', cid)
      return { ok: true, frame: { id: cid, type: 'connect', v: value.v as number, ...(value.token === undefined ? {} : { token: value.token as string }) } }
    case 'subscribe':
      if (!isChannel(value.channel)) return bad('subscribe needs a valid "channel"', cid)
      if (value.since !== undefined && !isPosition(value.since)) return bad('"since" must be {epoch, offset}', cid)
      if (value.rewind !== undefined && !(Number.isSafeInteger(value.rewind) && (value.rewind as number) >= 1)) return bad('"rewind" must be a positive integer', cid)
      if (value.presence !== undefined) {
        const problem = presenceProblem(value.presence)
        if (problem) return bad(problem, cid)
      }
      return {
        ok: true,
        frame: {
          id: cid,
          type: 'subscribe',
          channel: value.channel,
          ...(value.since === undefined ? {} : { since: { epoch: value.since.epoch, offset: value.since.offset } }),
          ...(value.rewind === undefined ? {} : { rewind: value.rewind as number }),
          ...(value.presence === undefined ? {} : { presence: presenceOf(value.presence as Record<string, unknown>) }),
        },
      }
    case 'unsubscribe':
      if (!isChannel(value.channel)) return bad('unsubscribe needs a valid "channel"', cid)
      return { ok: true, frame: { id: cid, type: 'unsubscribe', channel: value.channel } }
    case 'publish':
      if (!isChannel(value.channel)) return bad('publish needs a valid "channel"', cid)
      if (!isName(value.event, MAX_EVENT_LENGTH)) return bad('publish needs an "event" name', cid)
      if (!isName(value.key, MAX_KEY_LENGTH)) return bad('publish needs an idempotency "key"', cid)
      if (!('data' in value)) return bad('publish needs "data"', cid)
      return { ok: true, frame: { id: cid, type: 'publish', channel: value.channel, event: value.event, data: value.data, key: value.key } }
    case 'refresh':
      if (!isName(value.token, 16_384)) return bad('refresh needs a "token"', cid)
      return { ok: true, frame: { id: cid, type: 'refresh', token: value.token } }
    case 'ping':
      return { ok: true, frame: { id: cid, type: 'ping' } }
    default:
      return { ok: false, id: cid, error: { code: 'UNKNOWN_COMMAND', message: `Unknown command type ${describeType(value.type)}` } }
  }
}

/**
 * The unknown `type` for the error message: a string quoted (cut at 64 characters), any other value
 * by its kind only, since printing a client's value whole could be huge or overflow the stack.
 */
function describeType(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.length > 64 ? `${type.slice(0, 64)}…` : type)
  return type === null ? 'null' : Array.isArray(type) ? 'an array' : typeof type === 'object' ? 'an object' : `a ${typeof type}`
}

/** What is wrong with a subscribe's `presence`, or `undefined`: an object whose optional `data` is small JSON. */
function presenceProblem(presence: unknown): string | undefined {
  if (!isObject(presence)) return '"presence" must be an object {data?}'
  if (!('data' in presence)) return undefined
  let text: string
  try {
    text = JSON.stringify(presence.data)
  } catch {
    return '"presence.data" cannot be encoded as JSON'
  }
  return byteLength(text) > MAX_PRESENCE_DATA_BYTES ? `"presence.data" exceeds ${MAX_PRESENCE_DATA_BYTES} bytes of JSON` : undefined
}

const presenceOf = (presence: Record<string, unknown>): PresenceRequest => ('data' in presence ? { data: presence.data } : {})

/** A top-level `"id": n` as the first member (`{"id":7,…`) or the last (`…,"id":7}`), where clients put it. */
const EDGE_IDS = [/^\s*\{\s*"id"\s*:\s*(\d{1,16})\s*[,}]/, /[,{]\s*"id"\s*:\s*(\d{1,16})\s*\}\s*$/]
const EDGE_CHARS = 64

/**
 * The command id of a frame too large to parse, read from its first or last few characters only,
 * so an oversized frame costs no more than a glance. `undefined` when it is not at either edge.
 */
function edgeId(raw: string): number | undefined {
  const [head, tail] = EDGE_IDS
  const digits = head!.exec(raw.slice(0, EDGE_CHARS))?.[1] ?? tail!.exec(raw.slice(-EDGE_CHARS))?.[1]
  const id = Number(digits)
  return digits !== undefined && Number.isSafeInteger(id) ? id : undefined
}

/** Whether `name` is a valid channel name. */
export const isChannel = (name: unknown): name is string => typeof name === 'string' && CHANNEL_NAME.test(name)

/** UTF-8 byte length without allocating a buffer. */
export function byteLength(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit < 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}
