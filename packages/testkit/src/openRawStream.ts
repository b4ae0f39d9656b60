import { closeAfterTest } from './closeAfterTest'
import { requestTicket, type Target } from './request'

/** An SSE stream read as text, with what `EventSource` hides: comment lines, `retry:`, `id:`. */
export interface RawStream {
  readonly status: number
  /** Everything received so far. */
  text(): string
}

/**
 * Trades `token` for a ticket and reads `GET /sse` with `fetch`, byte for byte. Aborted after the
 * test by {@link closeOpened}.
 */
export async function openRawStream(server: Target, token: string): Promise<RawStream> {
  const ticket = (await requestTicket(server, token)).body.ticket as string
  const controller = new AbortController()
  closeAfterTest(() => controller.abort())
  const response = await fetch(`${server.url}/sse?ticket=${encodeURIComponent(ticket)}`, { signal: controller.signal })
  let received = ''
  const decoder = new TextDecoder()
  const pump = async () => {
    for await (const chunk of response.body!) received += decoder.decode(chunk as Uint8Array, { stream: true })
  }
  pump().catch(() => {
    // Aborted after the test or ended by the server: the text so far stays readable.
  })
  return { text: () => received, status: response.status }
}
