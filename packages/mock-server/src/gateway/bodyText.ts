import type { ErrorBody } from '@lifeline/protocol'
import type { GatewayRequest } from './exchange'

/** Refuses bytes that are not UTF-8 instead of replacing them with U+FFFD; keeps a BOM, which JSON refuses. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The body of `request` as text, or why it cannot be read: longer than `limit` bytes
 * (`FRAME_TOO_LARGE`), or not UTF-8 (`BAD_REQUEST`). A lenient decoder would turn the bad bytes
 * into U+FFFD, and a publish would then store and deliver a string its sender never sent.
 */
export async function bodyText(request: GatewayRequest, limit: number): Promise<{ text: string } | { error: ErrorBody }> {
  const bytes = await request.body(limit)
  if (bytes === undefined) return { error: { code: 'FRAME_TOO_LARGE', message: 'Body too large' } }
  try {
    return { text: strictUtf8.decode(bytes) }
  } catch {
    return { error: { code: 'BAD_REQUEST', message: 'The body is not valid UTF-8' } }
  }
}
