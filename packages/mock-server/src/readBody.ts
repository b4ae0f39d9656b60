import type { IncomingMessage } from 'node:http'

/**
 * How long a request body may take to arrive, in milliseconds. Node's own limit is the whole
 * request's (`requestTimeout`, 300 s): a client trickling a body a byte at a time would hold the
 * socket and its buffer that long. Every body of this protocol is a small JSON command.
 */
export const BODY_TIMEOUT_MS = 10_000

/** Why {@link readBody} gave up: the body did not arrive in time, and the connection was cut. */
export class BodyTimeoutError extends Error {
  override readonly name = 'BodyTimeoutError'
}

/**
 * The request body's bytes, or `undefined` when it grows past `limit` bytes. The excess is read and
 * dropped rather than the socket destroyed, so the caller can still answer 413. A body that is not
 * complete within `timeoutMs` rejects with {@link BodyTimeoutError}, and its connection is destroyed
 * (there is nobody left to answer).
 */
export function readBody(request: IncomingMessage, limit: number, timeoutMs = BODY_TIMEOUT_MS): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => {
      const error = new BodyTimeoutError(`The request body did not arrive within ${timeoutMs} ms`)
      reject(error)
      request.destroy(error)
    }, timeoutMs)
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
    })
    request.on('end', () => {
      clearTimeout(timer)
      resolve(size > limit ? undefined : Buffer.concat(chunks))
    })
    request.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}
