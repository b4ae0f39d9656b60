import { describe, expect, it } from 'vitest'
import { CaseFailure } from '../failure'
import { FrameLog } from '../frameLog'

const log = () => new FrameLog(() => 'A over websocket', 1000)
const text = (frame: object) => JSON.stringify(frame)
const message = (channel: string, offset: number, epoch = 'e1') => text({ type: 'message', channel, event: 'x', data: offset, pos: { epoch, offset }, meta: { publisher: null, time: 1 } })
const subscribed = (id: number, offset: number, epoch = 'e1') => text({ type: 'reply', id, ok: true, result: { position: { epoch, offset }, recovered: true } })
const messagesOf = (frames: FrameLog) => frames.violations.map((violation) => violation.message)

describe('what a connection checks on its own', () => {
  it('flags presence changes before the snapshot, on a channel not subscribed, or malformed', () => {
    const frames = log()
    const join = (channel: string) => text({ type: 'presence', channel, action: 'join', member: { sub: 'b', connections: 1 } })
    frames.sent({ id: 2, type: 'subscribe', channel: 'c' })
    frames.receive(join('c'))
    frames.receive(subscribed(2, 0))
    frames.receive(join('c'))
    frames.receive(join('elsewhere'))
    frames.receive(text({ type: 'presence', channel: 'c', action: 'leave', member: { sub: 'b', connections: 1 } }))
    expect(messagesOf(frames)).toEqual([
      'A over websocket: presence join of b on c before the reply to subscribe (command 2): the snapshot in the reply comes first',
      'A over websocket: presence join of b on elsewhere, a channel this connection is not subscribed to',
      'A over websocket: a presence member has 0 connections in a leave, and only there',
    ])
  })

  it('takes messages that follow the cursor one offset at a time, and a new epoch', () => {
    const frames = log()
    frames.sent({ id: 2, type: 'subscribe', channel: 'c' })
    for (const line of [subscribed(2, 4), message('c', 5), message('c', 6), message('c', 1, 'e2'), message('c', 2, 'e2')]) frames.receive(line)
    expect(frames.violations).toEqual([])
    expect(frames.messages('c').map((frame) => frame.pos.offset)).toEqual([5, 6, 1, 2])
  })

  it('flags a repeat, a hole and a message before the subscribe reply, each with its frame', () => {
    const frames = log()
    frames.sent({ id: 2, type: 'subscribe', channel: 'c' })
    frames.receive(message('c', 1))
    frames.receive(subscribed(2, 0))
    for (const line of [message('c', 1), message('c', 1), message('c', 3)]) frames.receive(line)
    expect(messagesOf(frames)).toEqual([
      'A over websocket: message at offset 1 on c before the reply to subscribe (command 2): the reply comes before any message of its subscription',
      'A over websocket: message at offset 1 on c repeats or reorders: the subscription is already past offset 1',
      'A over websocket: message at offset 3 on c skips offsets 2..2: a subscription delivers every offset after its cursor ({"epoch":"e1","offset":1}) in order',
    ])
    expect(frames.violations[2]!.frame).toMatchObject({ type: 'message', pos: { offset: 3 } })
  })

  it('flags messages after the unsubscribe reply or on a channel never subscribed; ALREADY_SUBSCRIBED changes nothing', () => {
    const frames = log()
    frames.sent({ id: 2, type: 'subscribe', channel: 'c' })
    frames.sent({ id: 3, type: 'subscribe', channel: 'c' })
    frames.receive(subscribed(2, 0))
    frames.receive(text({ type: 'reply', id: 3, ok: false, error: { code: 'ALREADY_SUBSCRIBED', message: 'twice' } }))
    frames.receive(message('c', 1))
    frames.sent({ id: 4, type: 'unsubscribe', channel: 'c' })
    frames.receive(text({ type: 'reply', id: 4, ok: true, result: {} }))
    frames.receive(message('c', 2))
    frames.receive(message('other', 1))
    expect(messagesOf(frames)).toEqual(['A over websocket: message at offset 2 on c after the unsubscribe reply', 'A over websocket: message at offset 1 on other, a channel this connection is not subscribed to'])
  })

  it('flags a second reply, a reply to a command never sent, and one to a command whose POST was refused', () => {
    const frames = log()
    frames.sent({ id: 2, type: 'ping' })
    frames.sent({ id: 3, type: 'ping' })
    frames.refused(3)
    for (const id of [2, 2, 3, 9]) frames.receive(text({ type: 'reply', id, ok: true, result: {} }))
    expect(messagesOf(frames)).toEqual([
      'A over websocket: reply number 2 to command 2 (ping): every command gets exactly one reply',
      'A over websocket: reply to command 3 (ping), whose POST was refused',
      'A over websocket: reply to command 9, which was never sent (or was refused over HTTP)',
    ])
  })

  it('flags frames that are not protocol v1', () => {
    const frames = log()
    frames.sent({ id: 1, type: 'ping' })
    for (const line of ['not json', text({ type: 'welcome' }), text({ type: 'error', error: { code: 'OOPS', message: 'x' } }), text({ type: 'reply', id: 1, ok: 'yes' })]) frames.receive(line)
    expect(messagesOf(frames)).toEqual([
      'A over websocket: server frame is not valid JSON',
      'A over websocket: unknown server frame type "welcome"',
      'A over websocket: error code "OOPS" is not a code of protocol v1',
      'A over websocket: reply "ok" must be true or false',
    ])
  })

  it('fails a wait with what was expected and the last frames, at once when the connection has ended', async () => {
    const frames = log()
    frames.receive(text({ type: 'ping' }))
    const waiting = frames.reply(7)
    frames.receive(text({ type: 'disconnect', code: 4100, reason: 'bye' }))
    frames.end({ how: 'closed with 4100', code: 4100 })
    const failure = await waiting.catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(CaseFailure)
    expect(failure).toMatchObject({
      message: 'A over websocket ended (closed with 4100) before the reply to command 7 arrived',
      expected: 'the reply to command 7',
      received: { lastFrames: [{ type: 'ping' }, { type: 'disconnect', code: 4100 }], ended: { how: 'closed with 4100', code: 4100, disconnect: { type: 'disconnect', code: 4100, reason: 'bye' } } },
    })
  })
})
