import type { ServerResponse } from 'node:http'
import type { Link } from './engine/index'

/** Adapts an open `text/event-stream` response to the engine. `delayMs` reads the fault switch. */
export function sseLink(response: ServerResponse, delayMs: () => number): Link {
  const write = (chunk: string) => {
    const delay = delayMs()
    if (delay > 0) setTimeout(() => response.writableEnded || response.write(chunk), delay)
    else response.write(chunk)
  }
  return {
    transport: 'sse',
    send(text, frame) {
      const id = frame.type === 'message' ? `id: ${frame.pos.epoch}:${frame.pos.offset}:${frame.channel}\n` : ''
      write(`${id}data: ${text}\n\n`)
    },
    bufferedBytes: () => response.writableLength,
    close() {
      if (delayMs() > 0) setTimeout(() => response.end(), delayMs())
      else response.end()
    },
    keepalive: () => write(': hb\n\n'),
  }
}
