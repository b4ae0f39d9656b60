/** One event of a `text/event-stream`. */
export interface SseEvent {
  data: string
  /** The `id:` field of this event's own block (not the stream's inherited last event id). */
  id?: string
  event?: string
}

/**
 * An incremental `text/event-stream` reader (the HTML standard's parsing rules): feed it decoded
 * text as it arrives; it calls `onEvent` per dispatched event and `onComment` per comment line.
 */
export function sseParser(onEvent: (event: SseEvent) => void, onComment: (text: string) => void = () => {}): (chunk: string) => void {
  let buffer = ''
  let data: string[] = []
  let id: string | undefined
  let event: string | undefined
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onEvent({ data: data.join('\n'), ...(id === undefined ? {} : { id }), ...(event === undefined ? {} : { event }) })
      data = []
      id = undefined
      event = undefined
      return
    }
    if (text.startsWith(':')) return onComment(text.slice(1).trimStart())
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'id' && !value.includes('\0')) id = value
    else if (field === 'event') event = value
    // `retry:` and unknown fields change nothing the kit checks.
  }
  return (chunk) => {
    buffer += chunk
    // Lines end with CRLF, LF or CR; a CR at the very end may be the first half of a CRLF.
    let start = 0
    for (let index = 0; index < buffer.length; index++) {
      const char = buffer[index]
      if (char !== '\n' && char !== '\r') continue
      if (char === '\r' && index === buffer.length - 1) break
      line(buffer.slice(start, index))
      if (char === '\r' && buffer[index + 1] === '\n') index++
      start = index + 1
    }
    buffer = buffer.slice(start)
  }
}
