/// <reference types="node" />
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CHANNEL_NAME, CLOSES, ERRORS, parseCommand } from '../index'
import { differences, schemaShape, SCHEMA_ID, typeShapes, type Defs, type SchemaNode } from './schemaShapes'
import { isFrame, isValid, schema, whyInvalid } from './schemaValidator'

const FRAMES = fileURLToPath(new URL('../frames.ts', import.meta.url))
/** Exported types of frames.ts that are TypeScript bookkeeping, not something on the wire. */
const NOT_ON_THE_WIRE = ['ResultMap']
const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Every disagreement between the frame types of `frames.ts` (optionally rewritten) and `defs`. */
function drift(defs: Defs = schema.$defs, sources: Record<string, string> = {}): string[] {
  const types = typeShapes(FRAMES, sources)
  const named = new Set(types.keys())
  return [...types].flatMap(([name, shape]) => {
    if (NOT_ON_THE_WIRE.includes(name)) return []
    if (!(name in defs)) return [`${name}: a TypeScript frame type without a schema def`]
    return differences(shape, schemaShape(defs, name, named), name)
  })
}

/** frames.ts with `pattern` replaced; fails if `pattern` is not there, so a mutation never silently does nothing. */
function framesWith(pattern: RegExp, replacement: string): Record<string, string> {
  const text = readFileSync(FRAMES, 'utf8')
  expect(text).toMatch(pattern)
  return { [FRAMES]: text.replace(pattern, replacement) }
}

describe('the protocol JSON Schema', () => {
  it('is a draft 2020-12 schema whose defs each have the $id their name says', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe(SCHEMA_ID)
    for (const [name, def] of Object.entries(schema.$defs)) expect(typeof def === 'object' && def.$id, name).toBe(`${SCHEMA_ID}:${name}`)
  })

  it('lists exactly the error codes of the codes table, in its order', () => {
    expect((schema.$defs.ErrorCode as { enum: string[] }).enum).toEqual(Object.keys(ERRORS))
  })

  it('names exactly the close codes of the codes table', () => {
    const named = (schema.$defs.CloseCode as { oneOf: { const: number; title: string }[] }).oneOf.map(({ const: code, title }) => [code, title])
    expect(named).toEqual(Object.entries(CLOSES).map(([code, { name }]) => [Number(code), name]))
  })

  it('has a def with the same properties, optionality and types for every frame type of frames.ts', () => {
    expect(drift()).toEqual([])
  })

  it('catches a TypeScript frame type that drifts from its def', () => {
    expect(drift(undefined, framesWith(/(interface ConnectCommand \{[\s\S]*?)token\?: string/, '$1token: string'))).toEqual([
      'ConnectCommand.token: required in TypeScript, optional in the schema',
    ])
    expect(drift(undefined, framesWith(/(interface Position \{[\s\S]*?)offset: number/, '$1offset: string'))).toEqual(['Position.offset: string in TypeScript, number in the schema'])
    expect(drift(undefined, framesWith(/(interface PingFrame \{[\s\S]*?)\n\}/, '$1\n  at?: number\n}'))).toEqual(['PingFrame.at: in the TypeScript type, not in the schema'])
    expect(drift(undefined, framesWith(/frames: ServerFrame\[\]/, 'frames: MessageFrame[]'))).toEqual(['PollBatch.frames[]: MessageFrame in TypeScript, ServerFrame in the schema'])
    expect(drift(undefined, framesWith(/(export type ServerFrame =.*)/, '$1 | PongFrame'))).toEqual(["ServerFrame: PongFrame in the TypeScript union, not in the schema's"])
    const okReply = 'result: ConnectResult in TypeScript, ConnectResult | EmptyResult | PublishResult | RefreshResult | SubscribeResult in the schema'
    expect(drift(undefined, framesWith(/result: ResultMap\[CommandType\]/, 'result: ConnectResult'))).toEqual([
      `ReplyFrame<type: "reply", ok: true>.${okReply}`,
      `ServerFrame<type: "reply", ok: true>.${okReply}`,
    ])
    expect(drift(undefined, framesWith(/$/, "\nexport interface WelcomeFrame {\n  type: 'welcome'\n}\n"))).toEqual(['WelcomeFrame: a TypeScript frame type without a schema def'])
  })

  it('catches a def that drifts from its TypeScript frame type', () => {
    const defs = structuredClone(schema.$defs) as Record<string, { required: string[]; properties: Record<string, SchemaNode> }>
    defs.PublishCommand!.required = defs.PublishCommand!.required.filter((key) => key !== 'key')
    defs.SubscribeResult!.properties.recovered = { type: 'string' }
    defs.DisconnectFrame!.properties.reason = { const: 'bye' }
    expect(drift(defs as Defs).sort()).toEqual([
      'DisconnectFrame.reason: string in TypeScript, "bye" in the schema',
      'PublishCommand.key: required in TypeScript, optional in the schema',
      'SubscribeResult.recovered: boolean in TypeScript, string in the schema',
    ])
  })
})

// ---- a corpus of frames and bodies: each valid one once per def, each invalid one a valid one with one thing wrong ----

const position = { epoch: 'k3x9a1', offset: 17 }
const connect = { id: 1, type: 'connect', v: 1, token: 'eyJ.e30.sig' }
const subscribe = { id: 2, type: 'subscribe', channel: 'user:42', since: position }
const publish = { id: 5, type: 'publish', channel: 'board:7', event: 'card_moved', data: { card: 'c1' }, key: '7f3a9c2e' }
const message = { type: 'message', channel: 'user:42', event: 'notification', data: { text: 'hi' }, pos: { epoch: 'k3x9a1', offset: 18 }, meta: { publisher: '42', time: 1_714_557_600_123 } }
const member = { sub: '43', connections: 2, data: { name: 'Grace' } }
const presence = { type: 'presence', channel: 'comments:9', action: 'join', member }
const errorBody = { code: 'RATE_LIMITED', message: 'Too many commands', retryAfterMs: 10 }
const connectReply = { type: 'reply', id: 1, ok: true, result: { session: 's_9f2c', heartbeatMs: 25_000, expiresInMs: 299_000 } }
/** The defs of HTTP bodies; every other def of the corpus is a frame. */
const HTTP_BODIES = ['ConnectRequest', 'TicketAnswer', 'PollConnectAnswer', 'PollRequest', 'PollBatch', 'SendAnswer', 'PublishApiRequest', 'PublishApiAnswer', 'ErrorResponse', 'Health']
const without = <T extends object>(value: T, key: keyof T) => Object.fromEntries(Object.entries(value).filter(([name]) => name !== key))

const VALID: [description: string, def: string, value: unknown][] = [
  ['connect with a token', 'ConnectCommand', connect],
  ['connect without a token', 'ConnectCommand', without(connect, 'token')],
  ['connect with another version (well-formed, answered UNSUPPORTED_VERSION)', 'ConnectCommand', { ...connect, v: 2 }],
  ['subscribe with since', 'SubscribeCommand', subscribe],
  ['subscribe without since', 'SubscribeCommand', without(subscribe, 'since')],
  ['subscribe since an empty channel', 'SubscribeCommand', { ...subscribe, since: { epoch: 'k3x9a1', offset: 0 } }],
  ['subscribe to a 128-character channel', 'SubscribeCommand', { ...subscribe, channel: 'c'.repeat(128) }],
  ['subscribe to a channel with every allowed punctuation', 'SubscribeCommand', { ...subscribe, channel: 'Ab_9-x:y.z@w' }],
  ['subscribe with rewind', 'SubscribeCommand', { ...without(subscribe, 'since'), rewind: 1 }],
  ['subscribe with since and rewind (rewind ignored)', 'SubscribeCommand', { ...subscribe, rewind: 50 }],
  ['subscribe joining presence without data', 'SubscribeCommand', { ...subscribe, presence: {} }],
  ['subscribe joining presence with data', 'SubscribeCommand', { ...subscribe, presence: { data: { name: 'Ada', tags: ['mentor'] } } }],
  ['subscribe joining presence with null data', 'SubscribeCommand', { ...subscribe, presence: { data: null } }],
  ['unsubscribe', 'UnsubscribeCommand', { id: 3, type: 'unsubscribe', channel: 'user:42' }],
  ['publish', 'PublishCommand', publish],
  ['publish with null data', 'PublishCommand', { ...publish, data: null }],
  ['publish with a 128-character event and key', 'PublishCommand', { ...publish, event: 'e'.repeat(128), key: 'k'.repeat(128) }],
  ['refresh with a 16 384-character token', 'RefreshCommand', { id: 6, type: 'refresh', token: 't'.repeat(16_384) }],
  ['ping with id 0', 'PingCommand', { id: 0, type: 'ping' }],
  ['ping with the largest id', 'PingCommand', { id: MAX_SAFE, type: 'ping' }],
  ['pong', 'PongFrame', { type: 'pong' }],
  ['a connect reply', 'ConnectReply', connectReply],
  ['a connect reply for a token without expiry', 'ConnectReply', { ...connectReply, result: { session: 's_9f2c', heartbeatMs: 25_000 } }],
  ['a subscribe reply with a presence snapshot', 'SubscribeReply', { type: 'reply', id: 2, ok: true, result: { position, recovered: true, presence: [member, { sub: '42', connections: 1 }] } }],
  ['a subscribe reply with an empty presence snapshot', 'SubscribeReply', { type: 'reply', id: 2, ok: true, result: { position, recovered: true, presence: [] } }],
  ['a subscribe reply on an empty channel', 'SubscribeReply', { type: 'reply', id: 2, ok: true, result: { position: { epoch: 'c9f0aa', offset: 0 }, recovered: true } }],
  ['a duplicate publish reply', 'PublishReply', { type: 'reply', id: 5, ok: true, result: { position: { epoch: 'p0c4b2', offset: 8 }, duplicate: true } }],
  ['a refresh reply', 'RefreshReply', { type: 'reply', id: 6, ok: true, result: { expiresInMs: 3_599_000 } }],
  ['an unsubscribe reply', 'UnsubscribeReply', { type: 'reply', id: 3, ok: true, result: {} }],
  ['a ping reply', 'PingReply', { type: 'reply', id: 7, ok: true, result: {} }],
  ['an error reply', 'ErrorReply', { type: 'reply', id: 7, ok: false, error: errorBody }],
  ['a message', 'MessageFrame', message],
  ['a message with null data', 'MessageFrame', { ...message, data: null }],
  ['a message the server published', 'MessageFrame', { ...message, meta: { publisher: null, time: 0 } }],
  ['a presence join', 'PresenceFrame', presence],
  ['a presence update without data', 'PresenceFrame', { ...presence, action: 'update', member: { sub: '43', connections: 1 } }],
  ['a presence leave', 'PresenceFrame', { ...presence, action: 'leave', member: { sub: '43', connections: 0 } }],
  ['a server ping', 'PingFrame', { type: 'ping' }],
  ['an error frame', 'ErrorFrame', { type: 'error', error: { code: 'BAD_REQUEST', message: 'Frame is not valid JSON' } }],
  ['a disconnect', 'DisconnectFrame', { type: 'disconnect', code: 4100, reason: 'server restarting', retryAfterMs: 2000 }],
  ['a disconnect with an application close code', 'DisconnectFrame', { type: 'disconnect', code: 3001, reason: 'moved' }],
  ['an unsubscribed frame', 'UnsubscribedFrame', { type: 'unsubscribed', channel: 'board:7', error: { code: 'UNAVAILABLE', message: 'Broker unavailable' } }],
  ['a ticket request', 'ConnectRequest', without(connect, 'token')],
  ['a ticket answer', 'TicketAnswer', { ticket: 't_5d1e', expiresInMs: 30_000 }],
  ['a poll connect answer', 'PollConnectAnswer', { seq: 1, frames: [connectReply] }],
  ['a poll request', 'PollRequest', { ack: 4 }],
  ['an empty poll batch', 'PollBatch', { seq: 0, frames: [] }],
  ['a poll batch', 'PollBatch', { seq: 3, frames: [message, { type: 'ping' }] }],
  ['an upstream answer', 'SendAnswer', {}],
  ['a publish API request without key', 'PublishApiRequest', without(without(publish, 'id'), 'type')],
  ['a publish API answer', 'PublishApiAnswer', { position: { epoch: 'm2q8rx', offset: 41 }, duplicate: false }],
  ['an HTTP error body', 'ErrorResponse', { error: errorBody }],
  ['a healthy server', 'Health', { status: 'ok', connections: { websocket: 1, sse: 0 } }],
  ['a degraded server', 'Health', { status: 'degraded', reason: 'Redis unreachable' }],
]

const INVALID: [description: string, def: string, value: unknown][] = [
  ['a publish without key', 'PublishCommand', without(publish, 'key')],
  ['a publish without data', 'PublishCommand', without(publish, 'data')],
  ['a publish with an empty event', 'PublishCommand', { ...publish, event: '' }],
  ['a publish with a 129-character event', 'PublishCommand', { ...publish, event: 'e'.repeat(129) }],
  ['a publish with a 129-character key', 'PublishCommand', { ...publish, key: 'k'.repeat(129) }],
  ['a subscribe to a channel with a space', 'SubscribeCommand', { ...subscribe, channel: 'user 42' }],
  ['a subscribe to a 129-character channel', 'SubscribeCommand', { ...subscribe, channel: 'c'.repeat(129) }],
  ['a subscribe to a non-ASCII channel', 'SubscribeCommand', { ...subscribe, channel: 'café' }],
  ['a subscribe since a negative offset', 'SubscribeCommand', { ...subscribe, since: { epoch: 'k3x9a1', offset: -1 } }],
  ['a subscribe since a fractional offset', 'SubscribeCommand', { ...subscribe, since: { epoch: 'k3x9a1', offset: 1.5 } }],
  ['a subscribe since an empty epoch', 'SubscribeCommand', { ...subscribe, since: { epoch: '', offset: 1 } }],
  ['a subscribe since a 65-character epoch', 'SubscribeCommand', { ...subscribe, since: { epoch: 'e'.repeat(65), offset: 1 } }],
  ['a subscribe with rewind 0', 'SubscribeCommand', { ...subscribe, rewind: 0 }],
  ['a subscribe with a fractional rewind', 'SubscribeCommand', { ...subscribe, rewind: 1.5 }],
  ['a subscribe with a string rewind', 'SubscribeCommand', { ...subscribe, rewind: '1' }],
  ['a subscribe with presence: true', 'SubscribeCommand', { ...subscribe, presence: true }],
  ['a subscribe with presence data as an array of members', 'SubscribeCommand', { ...subscribe, presence: [] }],
  ['a command with a negative id', 'PingCommand', { id: -1, type: 'ping' }],
  ['a command with an id past 2^53 − 1', 'PingCommand', { id: MAX_SAFE + 1, type: 'ping' }],
  ['a command with a string id', 'PingCommand', { id: '7', type: 'ping' }],
  ['a connect with a string version', 'ConnectCommand', { ...connect, v: '1' }],
  ['a connect with a numeric token', 'ConnectCommand', { ...connect, token: 42 }],
  ['a refresh with an empty token', 'RefreshCommand', { id: 6, type: 'refresh', token: '' }],
  ['a refresh with a 16 385-character token', 'RefreshCommand', { id: 6, type: 'refresh', token: 't'.repeat(16_385) }],
  ['a command of an unknown type', 'ClientFrame', { id: 8, type: 'subscribed', channel: 'user:42' }],
  ['a command with a field v1 does not have', 'SubscribeCommand', { ...subscribe, history: 10 }],
  ['a pong with an id', 'ClientFrame', { id: 9, type: 'pong' }],
  ['an ok reply with an error', 'ServerFrame', { ...connectReply, error: errorBody }],
  ['a reply without id', 'ServerFrame', without(connectReply, 'id')],
  ['a connect result without session', 'ConnectReply', { ...connectReply, result: { heartbeatMs: 25_000 } }],
  ['a subscribe result whose recovered is a string', 'SubscribeReply', { type: 'reply', id: 2, ok: true, result: { position, recovered: 'yes' } }],
  ['an error with an unknown code', 'ErrorReply', { type: 'reply', id: 7, ok: false, error: { code: 'NOPE', message: '?' } }],
  ['an error with a negative retryAfterMs', 'ErrorFrame', { type: 'error', error: { ...errorBody, retryAfterMs: -5 } }],
  ['a message at offset 0 (messages start at 1)', 'MessageFrame', { ...message, pos: { epoch: 'k3x9a1', offset: 0 } }],
  ['a message without pos', 'MessageFrame', without(message, 'pos')],
  ['a message without meta', 'MessageFrame', without(message, 'meta')],
  ['a message whose publisher is a number', 'MessageFrame', { ...message, meta: { publisher: 42, time: 1 } }],
  ['a message without a time', 'MessageFrame', { ...message, meta: { publisher: null } }],
  ['a presence frame with an unknown action', 'PresenceFrame', { ...presence, action: 'typing' }],
  ['a presence member without sub', 'PresenceFrame', { ...presence, member: { connections: 1 } }],
  ['a presence member with a negative count', 'PresenceFrame', { ...presence, member: { sub: '43', connections: -1 } }],
  ['a subscribe result whose presence is not a list', 'SubscribeReply', { type: 'reply', id: 2, ok: true, result: { position, recovered: true, presence: member } }],
  ['a disconnect with a transport close code', 'DisconnectFrame', { type: 'disconnect', code: 1006, reason: 'gone' }],
  ['an unsubscribed frame without error', 'UnsubscribedFrame', { type: 'unsubscribed', channel: 'board:7' }],
  ['a server ping with an id', 'ServerFrame', { type: 'ping', id: 1 }],
  ['a ticket request with a token', 'ConnectRequest', connect],
  ['a poll connect answer numbered 2', 'PollConnectAnswer', { seq: 2, frames: [connectReply] }],
  ['a poll connect answer holding a message', 'PollConnectAnswer', { seq: 1, frames: [message] }],
  ['a poll request with a negative ack', 'PollRequest', { ack: -1 }],
  ['a poll batch holding a client frame', 'PollBatch', { seq: 1, frames: [{ type: 'pong' }] }],
  ['a publish API request to an invalid channel', 'PublishApiRequest', { channel: 'a b', event: 'e', data: 1 }],
  ['an HTTP error body without code', 'ErrorResponse', { error: { message: 'oops' } }],
  ['a health status that is neither ok nor degraded', 'Health', { status: 'fine' }],
]

describe('frames and bodies', () => {
  it.each(VALID)('accepts %s as a %s', (_, def, value) => {
    expect(whyInvalid(def, value)).toBeUndefined()
  })

  it.each(VALID.filter(([, def]) => !HTTP_BODIES.includes(def)))('accepts %s as a frame of the protocol', (_, __, value) => {
    expect(isFrame(value)).toBe(true)
  })

  it.each(INVALID)('refuses %s as a %s', (_, def, value) => {
    expect(isValid(def, value)).toBe(false)
  })
})

describe('the schema and the server parser', () => {
  const clientFrames = [...VALID, ...INVALID].filter(([, def]) => ['ConnectCommand', 'SubscribeCommand', 'UnsubscribeCommand', 'PublishCommand', 'RefreshCommand', 'PingCommand', 'PongFrame', 'ClientFrame'].includes(def))
  // The parser ignores fields it does not know, as every receiver must; the schema flags them for senders.
  const extraFields = new Set(['a command with a field v1 does not have', 'a pong with an id'])

  it.each(clientFrames.filter(([description]) => !extraFields.has(description)))('agree on %s', (_, def, value) => {
    expect(parseCommand(JSON.stringify(value), 65_536).ok).toBe(isValid(def, value))
  })

  it.each(clientFrames.filter(([description]) => extraFields.has(description)))('the parser ignores the unknown fields of %s that the schema refuses', (_, def, value) => {
    expect([parseCommand(JSON.stringify(value), 65_536).ok, isValid(def, value)]).toEqual([true, false])
  })

  it('agree on which channel names are valid', () => {
    const names = ['a', 'user:42', 'Ab_9-x:y.z@w', 'c'.repeat(128), 'c'.repeat(129), '', 'user 42', 'café', 'a/b', 'a#b', 'line\n', '\u0663', '\uff46', '\u212a', '\u017f', 'a\u0000']
    for (const name of names) expect(isValid('ChannelName', name), JSON.stringify(name)).toBe(CHANNEL_NAME.test(name))
  })
})
