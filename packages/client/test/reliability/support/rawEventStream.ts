import type { ServerFrame } from '@lifeline/protocol'

/** A hand-driven SSE session: the stream read with `fetch`, commands sent by `POST /sse/send` as raw text. */
export interface RawEventStream {
  readonly frames: ServerFrame[]
  /** `POST /sse/send` with `body` as it is; answers the HTTP status and error code, if any. */
  post(body: string): Promise<{ status: number; code?: string }>
  /** Resolves with the first frame (already received or coming) that matches; rejects after `timeoutMs`. */
  next(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>
  close(): void
}

/** Trades `token` for a ticket, opens the stream and waits for the connect reply. */
export async function rawEventStream(url: string, token: string): Promise<RawEventStream> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const ticket = await fetch(`${url}/sse/ticket`, { method: 'POST', headers, body: JSON.stringify({ id: 1, type: 'connect', v: 1 }) })
  if (ticket.status !== 200) throw new Error(`ticket refused with ${ticket.status}`)
  const controller = new AbortController()
  const response = await fetch(`${url}/sse?ticket=${encodeURIComponent(((await ticket.json()) as { ticket: string }).ticket)}`, { signal: controller.signal })
  const frames: ServerFrame[] = []
  const waiters = new Set<() => void>()
  const pump = async () => {
    const decoder = new TextDecoder()
    let buffered = ''
    for await (const chunk of response.body!) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true })
      let end: number
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n')
        if (data) frames.push(JSON.parse(data) as ServerFrame)
      }
      for (const wake of [...waiters]) wake()
    }
  }
  pump().catch(() => {
    // Aborted by close(), or ended by the server: the frames so far stay readable.
  })
  const stream: RawEventStream = {
    frames,
    next: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`No such frame on the SSE stream within ${timeoutMs} ms; last: ${JSON.stringify(frames.slice(-3))}`))
        }, timeoutMs)
        const check = () => {
          const found = frames.find(predicate)
          if (!found) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
        }
        waiters.add(check)
        check()
      }),
    async post(body) {
      const answer = await fetch(`${url}/sse/send`, { method: 'POST', headers: { ...headers, 'lifeline-session': session }, body })
      const parsed = (await answer.json()) as { error?: { code: string } }
      return { status: answer.status, ...(parsed.error ? { code: parsed.error.code } : {}) }
    },
    close: () => controller.abort(),
  }
  const reply = await stream.next((frame) => frame.type === 'reply' && frame.id === 1)
  if (!(reply.type === 'reply' && reply.ok)) throw new Error(`connect refused: ${JSON.stringify(reply)}`)
  const session = (reply.result as { session: string }).session
  return stream
}
