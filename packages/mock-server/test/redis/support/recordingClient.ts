import { RealtimeClient, type Gap, type RealtimeClientOptions } from '@lifeline/client'
import type { Position, ServerFrame } from '@lifeline/protocol'
import { EventSource } from 'eventsource'
import { WebSocket } from 'ws'
import { DEFAULT_JWT_SECRET, signToken } from '../../../src/index'

/** What reached one client, frame by frame (before its dedup) and as the app saw it. */
export interface Recording {
  /** Every `message` frame off the wire, in arrival order, over all of the client's connections. */
  wire: Extract<ServerFrame, { type: 'message' }>[]
  /** Payloads handed to the app's `channel.on` handlers, per channel. */
  app: Map<string, unknown[]>
  /** Their positions, in the same order. */
  appPositions: Map<string, Position[]>
  gaps: string[]
  /** The same gaps as they were reported, per channel. */
  gapSpans: Map<string, Gap[]>
  /** `unsubscribed` frames off the wire: subscriptions the server ended, with the error code. */
  unsubscribed: string[]
  recovered: string[]
  /**
   * The cursor of each subscription the server accepted, per channel, in order: the `position` of
   * its subscribe reply, just before the first message it delivers. WebSocket only: an SSE client
   * sends its commands by POST, out of this recording's sight.
   */
  cursors: Map<string, Position[]>
}

export interface RecordingClient {
  client: RealtimeClient
  recording: Recording
  /** Subscribes to `channel`, records its `event` messages, and resolves once subscribed. */
  join(channel: string, event: string): Promise<void>
  /** Wire frames of `channel` as `epoch:offset`. */
  positions(channel: string): string[]
}

/**
 * A real `RealtimeClient` with Node's network constructors, wrapped so the test also sees every
 * frame the server sent: the client deduplicates by position, so only the wire shows a repeat.
 */
export function recordingClient(options: { url: string; transport: 'websocket' | 'sse'; sub?: string } & Partial<RealtimeClientOptions>): RecordingClient {
  const { url, transport, sub = 'ada', ...rest } = options
  const recording: Recording = { wire: [], app: new Map(), appPositions: new Map(), gaps: [], gapSpans: new Map(), unsubscribed: [], recovered: [], cursors: new Map() }
  /** The channel of each subscribe command sent and not answered yet, by command id. */
  const subscribing = new Map<number, string>()
  const record = (text: string) => {
    const frame = JSON.parse(text) as ServerFrame
    if (frame.type === 'message') recording.wire.push(frame)
    if (frame.type === 'unsubscribed') recording.unsubscribed.push(`${frame.channel} ${frame.error.code}`)
    const channel = frame.type === 'reply' ? subscribing.get(frame.id) : undefined
    if (frame.type !== 'reply' || channel === undefined) return
    subscribing.delete(frame.id)
    if (frame.ok) recording.cursors.set(channel, [...(recording.cursors.get(channel) ?? []), (frame.result as { position: Position }).position])
  }
  class RecordingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols)
      this.on('message', (data) => record(String(data)))
    }

    override send(data: Parameters<WebSocket['send']>[0], ...rest: unknown[]): void {
      const command = typeof data === 'string' ? (JSON.parse(data) as { type?: string; id?: number; channel?: string }) : {}
      if (command.type === 'subscribe' && command.id !== undefined && command.channel !== undefined) subscribing.set(command.id, command.channel)
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  class RecordingEventSource extends EventSource {
    constructor(address: string | URL, init?: EventSourceInit) {
      super(address, init)
      this.addEventListener('message', (event) => record(event.data))
    }
  }
  const client = new RealtimeClient({
    url,
    transports: [transport],
    WebSocket: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: RecordingEventSource as unknown as typeof globalThis.EventSource,
    storage: null,
    reconnectDelay: { minMs: 50, maxMs: 500 },
    getToken: () => signToken({ secret: DEFAULT_JWT_SECRET, sub, roles: [], expiresInSeconds: 3600 }),
    ...rest,
  })
  return {
    client,
    recording,
    join(channel, event) {
      const handle = client.channel(channel)
      const received: unknown[] = []
      const positions: Position[] = []
      const spans: Gap[] = []
      recording.app.set(channel, received)
      recording.appPositions.set(channel, positions)
      recording.gapSpans.set(channel, spans)
      handle.on(event, (data, meta) => {
        received.push(data)
        positions.push(meta.position)
      })
      handle.onGap((gap) => {
        spans.push(gap)
        recording.gaps.push(`${channel} ${gap.from.epoch}:${gap.from.offset} -> ${gap.to.epoch}:${gap.to.offset}`)
      })
      handle.onRecovered((position) => recording.recovered.push(`${channel} ${position.epoch}:${position.offset}`))
      handle.subscribe()
      return new Promise((resolve) => {
        const stop = handle.onState((state) => {
          if (state.status !== 'subscribed') return
          stop()
          resolve()
        })
      })
    },
    positions: (channel) => recording.wire.filter((frame) => frame.channel === channel).map((frame) => `${frame.pos.epoch}:${frame.pos.offset}`),
  }
}
