import { describe, expect, it } from 'vitest'
import { sseParser, type SseEvent } from '../sseParser'

function parse(chunks: string[]): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = []
  const comments: string[] = []
  const feed = sseParser(
    (event) => events.push(event),
    (comment) => comments.push(comment),
  )
  for (const chunk of chunks) feed(chunk)
  return { events, comments }
}

describe('the SSE reader', () => {
  it('reads events with their own id, comments, and ignores retry lines', () => {
    const { events, comments } = parse(['retry: 86400000\n\ndata: {"type":"reply"}\n\nid: e1:1:c\ndata: {"a":1}\n\n: hb\n\ndata: {"type":"ping"}\n\n'])
    expect(events).toEqual([{ data: '{"type":"reply"}' }, { data: '{"a":1}', id: 'e1:1:c' }, { data: '{"type":"ping"}' }])
    expect(comments).toEqual(['hb'])
  })

  it('joins lines split across chunks, with CRLF, LF or CR line ends, and multi-line data', () => {
    const { events } = parse(['da', 'ta: one\r', '\ndata: two\r\r', 'id:x\ndata:three\n', '\n'])
    expect(events).toEqual([{ data: 'one\ntwo' }, { data: 'three', id: 'x' }])
  })

  it('dispatches nothing for a block without data, or an unfinished block', () => {
    expect(parse(['id: 5\n\nevent: x\n\ndata: never ended\n']).events).toEqual([])
  })
})
