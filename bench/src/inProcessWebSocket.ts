/**
 * A WebSocket constructor for `RealtimeClient` with no network behind it: it answers the connect
 * and subscribe commands itself, and `push()` hands server frames straight to the client, so a
 * benchmark measures only the client's own work (parse, dedup, dispatch).
 */
export class InProcessWebSocket {
  static readonly OPEN = 1
  /** The most recent socket a client opened. */
  static latest: InProcessWebSocket | undefined
  readonly url: string
  readyState = 0
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(url: string) {
    this.url = url
    InProcessWebSocket.latest = this
    queueMicrotask(() => {
      this.readyState = InProcessWebSocket.OPEN
      this.onopen?.({})
    })
  }

  /** A frame from the "server", delivered synchronously like a socket's message event. */
  push(data: string): void {
    this.onmessage?.({ data })
  }

  send(text: string): void {
    const command = JSON.parse(text) as { id?: number; type: string }
    const result =
      command.type === 'connect'
        ? { session: 's_bench', heartbeatMs: 25_000 }
        : command.type === 'subscribe'
          ? { position: { epoch: 'bench', offset: 0 }, recovered: true }
          : {}
    if (command.id !== undefined) queueMicrotask(() => this.push(JSON.stringify({ type: 'reply', id: command.id, ok: true, result })))
  }

  close(): void {
    this.readyState = 3
  }
}
