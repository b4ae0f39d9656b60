import { describe, expect, it } from 'vitest'
import { MAX_PRESENCE_DATA_BYTES, parseCommand } from '../index'

const LIMIT = 1024

describe('parseCommand', () => {
  it('accepts every command of protocol v1', () => {
    const frames = [
      { id: 1, type: 'connect', v: 1, token: 't' },
      { id: 2, type: 'subscribe', channel: 'user:42', since: { epoch: 'e1', offset: 3 } },
      { id: 3, type: 'unsubscribe', channel: 'user:42' },
      { id: 4, type: 'publish', channel: 'board:7', event: 'card_moved', data: { a: 1 }, key: 'k1' },
      { id: 5, type: 'refresh', token: 'new' },
      { id: 6, type: 'ping' },
      { type: 'pong' },
    ]
    for (const frame of frames) expect(parseCommand(JSON.stringify(frame), LIMIT)).toEqual({ ok: true, frame })
  })

  it('rejects malformed JSON with BAD_REQUEST', () => {
    expect(parseCommand('{"id":1,', LIMIT)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(parseCommand('[1,2]', LIMIT)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
  })

  it('rejects unknown command types with UNKNOWN_COMMAND and keeps the id', () => {
    expect(parseCommand('{"id":9,"type":"drop_tables"}', LIMIT)).toMatchObject({ ok: false, id: 9, error: { code: 'UNKNOWN_COMMAND' } })
  })

  it('names an unknown type that is not a string by its kind, so a type nested too deep to print is refused, not thrown', () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000)
    expect(parseCommand(`{"id":3,"type":${deep}}`, 100_000)).toEqual({ ok: false, id: 3, error: { code: 'UNKNOWN_COMMAND', message: 'Unknown command type an array' } })
    expect(parseCommand('{"id":4,"type":{"a":1}}', LIMIT)).toMatchObject({ error: { message: 'Unknown command type an object' } })
    expect(parseCommand(`{"id":5,"type":"${'x'.repeat(500)}"}`, LIMIT)).toMatchObject({ error: { message: `Unknown command type "${'x'.repeat(64)}…"` } })
  })

  it('rejects frames over the limit with FRAME_TOO_LARGE, counting UTF-8 bytes', () => {
    const ascii = JSON.stringify({ id: 1, type: 'ping', pad: 'x'.repeat(LIMIT) })
    expect(parseCommand(ascii, LIMIT)).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } })
    const emoji = JSON.stringify({ id: 1, type: 'ping', pad: '😀'.repeat(300) }) // ~1.2 KB in UTF-8, 600 UTF-16 units
    expect(parseCommand(emoji, LIMIT)).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } })
  })

  it('keeps the id of an oversized command when it is the first or the last member, so the sender gets a reply', () => {
    const padding = 'x'.repeat(2 * LIMIT)
    const idFirst = JSON.stringify({ id: 7, type: 'publish', channel: 'c', event: 'e', data: padding, key: 'k' })
    const idLast = JSON.stringify({ type: 'publish', channel: 'c', event: 'e', data: padding, key: 'k', id: 8 })
    expect(parseCommand(idFirst, LIMIT)).toEqual({ ok: false, id: 7, error: { code: 'FRAME_TOO_LARGE', message: `Frame exceeds ${LIMIT} bytes` } })
    expect(parseCommand(idLast, LIMIT)).toMatchObject({ ok: false, id: 8, error: { code: 'FRAME_TOO_LARGE' } })
  })

  it('does not take an id nested in the payload of an oversized frame for the command id', () => {
    const nestedLast = JSON.stringify({ type: 'publish', data: 'x'.repeat(2 * LIMIT), meta: { id: 9 } })
    const inString = JSON.stringify({ type: 'publish', data: `${'x'.repeat(2 * LIMIT)},"id":9}` })
    const idInMiddle = JSON.stringify({ type: 'publish', id: 9, data: 'x'.repeat(2 * LIMIT) })
    for (const frame of [nestedLast, inString, idInMiddle]) {
      const parsed = parseCommand(frame, LIMIT)
      expect(parsed).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } })
      expect(parsed).not.toHaveProperty('id')
    }
  })

  it('rejects invalid fields with BAD_REQUEST and the command id', () => {
    const cases = [
      { id: 1, type: 'subscribe', channel: 'has space' },
      { id: 1, type: 'subscribe', channel: 'ok', since: { epoch: 'e', offset: -1 } },
      { id: 1, type: 'publish', channel: 'ok', event: 'e', data: 1 },
      { id: 1, type: 'refresh' },
      { id: 1, type: 'connect' },
    ]
    for (const frame of cases) expect(parseCommand(JSON.stringify(frame), LIMIT)).toMatchObject({ ok: false, id: 1, error: { code: 'BAD_REQUEST' } })
    expect(parseCommand('{"type":"ping"}', LIMIT)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
  })

  it('reads rewind and presence of a subscribe, and only the data of presence', () => {
    const frame = { id: 3, type: 'subscribe', channel: 'comments:9', rewind: 5, presence: { data: { name: 'Ada' }, meta: { publisher: 'root' } } }
    expect(parseCommand(JSON.stringify(frame), 65_536)).toEqual({ ok: true, frame: { id: 3, type: 'subscribe', channel: 'comments:9', rewind: 5, presence: { data: { name: 'Ada' } } } })
    expect(parseCommand('{"id":4,"type":"subscribe","channel":"c","presence":{}}', LIMIT)).toEqual({ ok: true, frame: { id: 4, type: 'subscribe', channel: 'c', presence: {} } })
  })

  it('refuses a rewind that is not a positive integer, and presence data over its limit, with BAD_REQUEST', () => {
    const fitting = 'x'.repeat(MAX_PRESENCE_DATA_BYTES - 2) // with its quotes, exactly the limit
    expect(parseCommand(JSON.stringify({ id: 1, type: 'subscribe', channel: 'c', presence: { data: fitting } }), 65_536)).toMatchObject({ ok: true })
    const cases = [
      { id: 1, type: 'subscribe', channel: 'c', rewind: 0 },
      { id: 1, type: 'subscribe', channel: 'c', rewind: -3 },
      { id: 1, type: 'subscribe', channel: 'c', rewind: 2.5 },
      { id: 1, type: 'subscribe', channel: 'c', presence: 'yes' },
      { id: 1, type: 'subscribe', channel: 'c', presence: { data: `${fitting}x` } },
      { id: 1, type: 'subscribe', channel: 'c', presence: { data: 'é'.repeat(MAX_PRESENCE_DATA_BYTES / 2) } },
    ]
    for (const frame of cases) expect(parseCommand(JSON.stringify(frame), 65_536), JSON.stringify(frame).slice(0, 80)).toMatchObject({ ok: false, id: 1, error: { code: 'BAD_REQUEST' } })
  })
})
