import type { IncomingMessage } from 'node:http'

/**
 * The request body as text, or `undefined` when it grows past `limit` bytes. The excess is read and
 * dropped rather than the socket destroyed, so the caller can still answer 413.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
    })
    request.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}
