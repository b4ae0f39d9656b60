import { WebSocket } from 'ws'
import type { ServerFrame } from '@lifeline/protocol'

/** A hand-driven WebSocket to the server, for sending what no real client would. */
export interface RawSocket {
  readonly frames: ServerFrame[]
  /** The close code, once the server closed the socket. */
  readonly closed: Promise<number>
  send(frame: object | string): void
  /** Resolves with the first frame (already received or coming) that matches. */
  next(predicate: (frame: ServerFrame) => boolean): Promise<ServerFrame>
  close(): void
}

/** Opens `/ws`; rejects with the HTTP status when the upgrade is refused. */
export function rawSocket(url: string, { origin }: { origin?: string } = {}): Promise<RawSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, origin ? { origin } : {})
  const frames: ServerFrame[] = []
  const waiters = new Set<() => void>()
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as ServerFrame)
    for (const wake of [...waiters]) wake()
  })
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
  const raw: RawSocket = {
    frames,
    closed,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          const found = frames.find(predicate)
          if (!found) return
          waiters.delete(check)
          resolve(found)
        }
        waiters.add(check)
        check()
      }),
    close: () => socket.close(),
  }
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(raw))
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)))
    socket.once('error', reject)
  })
}

/** A raw socket past the handshake, as user `token` authenticates. */
export async function connectedSocket(url: string, token: string): Promise<RawSocket> {
  const raw = await rawSocket(url)
  raw.send({ id: 1, type: 'connect', v: 1, token })
  const reply = await raw.next((frame) => frame.type === 'reply' && frame.id === 1)
  if (!(reply.type === 'reply' && reply.ok)) throw new Error(`connect refused: ${JSON.stringify(reply)}`)
  return raw
}

/** The reply to command `id`. */
export const replyTo = (id: number) => (frame: ServerFrame) => frame.type === 'reply' && frame.id === id
