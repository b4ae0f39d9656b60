/**
 * A stand-in for the WebSocket constructor, for tests that script what a server or proxy does on
 * the wire beyond what the test network can (a subclass schedules its opening and answers).
 */
export class ScriptedWebSocket extends EventTarget {
  onopen: (() => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: (() => void) | null = null
  constructor(readonly url: string) {
    super()
  }
  send(_text: string): void {}
  close(): void {}
}
