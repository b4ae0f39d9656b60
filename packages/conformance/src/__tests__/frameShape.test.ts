import type { ServerFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { isPosition, metaProblem, readServerFrame } from '../frameShape'

/** One well-formed frame of each server type, typed by the protocol so they follow its frames. */
const VALID: ServerFrame[] = [
  { type: 'reply', id: 1, ok: true, result: { session: 's1', heartbeatMs: 25_000 } },
  { type: 'reply', id: 2, ok: false, error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 100 } },
  { type: 'message', channel: 'c', event: 'e', data: null, pos: { epoch: 'e1', offset: 1 }, meta: { publisher: 'a', time: 1 } },
  { type: 'presence', channel: 'c', action: 'join', member: { sub: 'b', connections: 1, data: { x: 1 } } },
  { type: 'presence', channel: 'c', action: 'leave', member: { sub: 'b', connections: 0 } },
  { type: 'ping' },
  { type: 'error', error: { code: 'BAD_REQUEST', message: 'bad' } },
  { type: 'disconnect', code: 4100, reason: 'shutdown' },
  { type: 'unsubscribed', channel: 'c', error: { code: 'FORBIDDEN', message: 'no' } },
]

/** The problem found in `frame` sent as JSON. */
const problemOf = (frame: object) => readServerFrame(JSON.stringify(frame)).problem

describe('readServerFrame', () => {
  it('reads a well-formed frame of every server type, with no problem', () => {
    for (const frame of VALID) expect(readServerFrame(JSON.stringify(frame))).toEqual({ frame })
  })

  it('says what is wrong with text that is no frame, and returns no frame', () => {
    expect(readServerFrame('{"type":')).toEqual({ problem: 'server frame is not valid JSON' })
    expect(readServerFrame('[1]')).toEqual({ problem: 'server frame is not a JSON object' })
    expect(readServerFrame('{"type":"pong"}')).toEqual({ problem: 'unknown server frame type "pong"' })
  })

  it('returns a frame of a known type with the field that is off', () => {
    const off = { type: 'reply', id: 1, ok: true }
    expect(readServerFrame(JSON.stringify(off))).toEqual({ frame: off, problem: 'an ok reply needs a "result" object' })
    expect(problemOf({ type: 'reply', id: -1, ok: true, result: {} })).toBe('reply "id" must be a non-negative integer')
    expect(problemOf({ type: 'reply', id: 1, ok: 'yes' })).toBe('reply "ok" must be true or false')
    expect(problemOf({ type: 'reply', id: 1, ok: false, error: { code: 'NOPE', message: '' } })).toBe('error code "NOPE" is not a code of protocol v1')
    expect(problemOf({ type: 'error', error: { code: 'INTERNAL', message: 'x', retryAfterMs: -1 } })).toBe('"retryAfterMs" must be a non-negative number')
    expect(problemOf({ type: 'message', channel: 'c', event: 'e', pos: { epoch: 'e1', offset: 1 } })).toBe('message needs "channel", "event" and "data"')
    expect(problemOf({ type: 'message', channel: 'c', event: 'e', data: 1, pos: { epoch: '', offset: 1 } })).toBe('"pos" must be {epoch: non-empty string, offset: integer >= 0}')
    expect(problemOf({ type: 'message', channel: 'c', event: 'e', data: 1, pos: { epoch: 'e1', offset: 0 } })).toBe('message offsets start at 1')
    expect(problemOf({ type: 'presence', channel: 'c', action: 'moved', member: { sub: 'b', connections: 1 } })).toBe('presence needs a "channel" and an "action" of join, leave or update')
    expect(problemOf({ type: 'presence', channel: 'c', action: 'join', member: { sub: 'b', connections: 0 } })).toBe('a presence member has 0 connections in a leave, and only there')
    expect(problemOf({ type: 'disconnect', code: '4100', reason: 'shutdown' })).toBe('disconnect needs an integer "code" and a string "reason"')
    expect(problemOf({ type: 'unsubscribed', error: { code: 'FORBIDDEN', message: 'no' } })).toBe('unsubscribed needs a "channel"')
  })

  it('leaves a message without meta to the message-meta case, which metaProblem serves', () => {
    expect(problemOf({ type: 'message', channel: 'c', event: 'e', data: 1, pos: { epoch: 'e1', offset: 1 } })).toBeUndefined()
    const unstamped = 'message "meta" must be {publisher: string or null, time: integer >= 0}, stamped by the server'
    expect([undefined, { publisher: 7, time: 1 }, { publisher: 'a', time: -1 }].map(metaProblem)).toEqual([unstamped, unstamped, unstamped])
    expect(metaProblem({ publisher: null, time: 0 })).toBeUndefined()
  })
})

describe('isPosition', () => {
  it('takes {epoch, offset} with a non-empty epoch and a whole offset from 0', () => {
    expect([{ epoch: 'e1', offset: 0 }, { epoch: 'e1', offset: 7 }].map(isPosition)).toEqual([true, true])
    expect([{ epoch: '', offset: 1 }, { epoch: 'e1', offset: 1.5 }, { epoch: 'e1' }, 'e1:1'].map(isPosition)).toEqual([false, false, false, false])
  })
})
