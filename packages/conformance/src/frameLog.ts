import type { DisconnectFrame, MessageFrame, Position, PresenceFrame, ReplyFrame, ServerFrame } from '@lifeline/protocol'
import { brief, CaseFailure } from './failure'
import { readServerFrame } from './frameShape'

/** How a connection ended, as the kit saw it. */
export interface Ended {
  /** In words: "closed with 4301", "stream ended", "poll answered 404". */
  how: string
  /** The WebSocket close code, when there is one. */
  code?: number
  /** The last `disconnect` frame received before the end, if any. */
  disconnect?: DisconnectFrame
  /** Long-polling: the error code of the poll refusal that ended it (a 401 once the token expired). */
  refusal?: string
}

/** Something the server did that the protocol never allows, found while frames arrived. */
export interface Violation {
  message: string
  frame: unknown
}

/** What a connection knows of one channel: the subscribes awaiting their reply, and where the subscription stands. */
interface ChannelState {
  pending: number[]
  status: 'none' | 'subscribed' | 'unsubscribed' | 'refused' | 'ended-by-server'
  /** The cursor, then the last message delivered, while subscribed. */
  last?: Position
}

interface Waiter {
  predicate: (frame: ServerFrame) => boolean
  what: string
  resolve: (frame: ServerFrame) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * The frames one connection received, in order, with waits for the ones a case expects. It also
 * checks what holds for every connection: each command gets exactly one reply, no reply to a
 * command never sent, and each subscription's messages follow its cursor with offsets +1, +1, …,
 * never before the subscribe reply nor after the unsubscribe reply.
 */
export class FrameLog {
  readonly frames: ServerFrame[] = []
  readonly violations: Violation[] = []
  ended: Ended | undefined
  readonly #label: () => string
  readonly #waitMs: number
  readonly #waiters = new Set<Waiter>()
  readonly #commands = new Map<number, { type: string; channel?: string; replies: number; refused?: boolean }>()
  readonly #channels = new Map<string, ChannelState>()
  readonly #eventIds = new WeakMap<ServerFrame, string>()

  constructor(label: () => string, waitMs: number) {
    this.#label = label
    this.#waitMs = waitMs
  }

  /** Records a command the server accepted to answer (sent on the socket, or an upstream POST answered 202). */
  sent(command: { id: number; type: string; channel?: string }): void {
    this.#commands.set(command.id, { type: command.type, ...(command.channel === undefined ? {} : { channel: command.channel }), replies: 0 })
    if (command.type === 'subscribe' && command.channel !== undefined) this.#channel(command.channel).pending.push(command.id)
  }

  /** The server refused the command over HTTP (upstream POST not 202): it must get no reply on the stream. */
  refused(id: number): void {
    const command = this.#commands.get(id)
    if (!command) return
    command.refused = true
    if (command.replies > 0) this.violate(`command ${id} (${command.type}) got a reply on the stream although its POST was refused`, this.frames.find((frame) => frame.type === 'reply' && frame.id === id))
    if (command.type === 'subscribe' && command.channel !== undefined) this.#settle(command.channel, id)
  }

  /** One frame's text as received; `eventId` is the SSE `id:` field of its event. */
  receive(text: string, eventId?: string): void {
    const { frame, problem } = readServerFrame(text)
    if (problem) this.violate(problem, frame ?? text)
    if (!frame) return
    if (eventId !== undefined) this.#eventIds.set(frame, eventId)
    if (frame.type === 'reply') this.#checkReply(frame)
    else if (frame.type === 'message') this.#checkMessage(frame)
    else if (frame.type === 'presence') this.#checkPresence(frame)
    else if (frame.type === 'unsubscribed') this.#channel(frame.channel).status = 'ended-by-server'
    this.frames.push(frame)
    for (const waiter of [...this.#waiters]) {
      if (!waiter.predicate(frame)) continue
      this.#waiters.delete(waiter)
      clearTimeout(waiter.timer)
      waiter.resolve(frame)
    }
  }

  /** The connection is over; waits for frames that did not come fail at once. */
  end(ended: Ended): void {
    if (this.ended) return
    this.ended = { ...ended, ...(this.lastDisconnect() ? { disconnect: this.lastDisconnect()! } : {}) }
    for (const waiter of [...this.#waiters]) {
      this.#waiters.delete(waiter)
      clearTimeout(waiter.timer)
      waiter.reject(new CaseFailure(`${this.#label()} ended (${this.ended.how}) before ${waiter.what} arrived`, { expected: waiter.what, received: this.recent() }))
    }
  }

  /** The first frame, received so far or later, for which `predicate` holds; fails the case after the wait. */
  wait<F extends ServerFrame = ServerFrame>(predicate: (frame: ServerFrame) => boolean, what: string, timeoutMs = this.#waitMs): Promise<F> {
    const found = this.frames.find(predicate)
    if (found) return Promise.resolve(found as F)
    if (this.ended) return Promise.reject(new CaseFailure(`${this.#label()} ended (${this.ended.how}) before ${what} arrived`, { expected: what, received: this.recent() }))
    return new Promise<F>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        what,
        resolve: resolve as (frame: ServerFrame) => void,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter)
          reject(new CaseFailure(`${this.#label()}: ${what} did not arrive within ${timeoutMs} ms`, { expected: what, received: this.recent() }))
        }, timeoutMs),
      }
      this.#waiters.add(waiter)
    })
  }

  reply(id: number, timeoutMs?: number): Promise<ReplyFrame> {
    return this.wait<ReplyFrame>((frame) => frame.type === 'reply' && frame.id === id, `the reply to command ${id}`, timeoutMs)
  }

  /** Channel messages received so far, optionally of one channel. */
  messages(channel?: string): MessageFrame[] {
    return this.frames.filter((frame): frame is MessageFrame => frame.type === 'message' && (channel === undefined || frame.channel === channel))
  }

  /** Waits for the message at `offset` on `channel`. */
  message(channel: string, offset: number, timeoutMs?: number): Promise<MessageFrame> {
    return this.wait<MessageFrame>((frame) => frame.type === 'message' && frame.channel === channel && frame.pos.offset === offset, `the message at offset ${offset} on ${channel}`, timeoutMs)
  }

  /** The SSE event `id:` that carried `frame`, if any. */
  eventIdOf(frame: ServerFrame): string | undefined {
    return this.#eventIds.get(frame)
  }

  lastDisconnect(): DisconnectFrame | undefined {
    for (let index = this.frames.length - 1; index >= 0; index--) {
      const frame = this.frames[index]!
      if (frame.type === 'disconnect') return frame
    }
    return undefined
  }

  /** The last few frames, for failure reports. */
  recent(count = 4): { lastFrames: ServerFrame[]; ended?: Ended } {
    return { lastFrames: this.frames.slice(-count), ...(this.ended ? { ended: this.ended } : {}) }
  }

  #checkReply(frame: ReplyFrame): void {
    const command = this.#commands.get(frame.id)
    if (!command) return this.violate(`reply to command ${frame.id}, which was never sent (or was refused over HTTP)`, frame)
    command.replies += 1
    if (command.refused) return this.violate(`reply to command ${frame.id} (${command.type}), whose POST was refused`, frame)
    if (command.replies > 1) return this.violate(`reply number ${command.replies} to command ${frame.id} (${command.type}): every command gets exactly one reply`, frame)
    if (command.channel === undefined) return
    const state = this.#channel(command.channel)
    if (command.type === 'subscribe') {
      this.#settle(command.channel, frame.id)
      const position = frame.ok ? (frame.result as { position?: Position }).position : undefined
      if (frame.ok) Object.assign(state, { status: 'subscribed', last: position })
      // A second subscribe to a live subscription is refused and changes nothing.
      else if (frame.error?.code !== 'ALREADY_SUBSCRIBED' && state.status !== 'subscribed') state.status = 'refused'
    }
    if (command.type === 'unsubscribe' && frame.ok) state.status = 'unsubscribed'
  }

  #channel(channel: string): ChannelState {
    let state = this.#channels.get(channel)
    if (!state) this.#channels.set(channel, (state = { pending: [], status: 'none' }))
    return state
  }

  /** A subscribe command was answered (or refused over HTTP): it no longer waits for a reply. */
  #settle(channel: string, id: number): void {
    const state = this.#channel(channel)
    state.pending = state.pending.filter((pending) => pending !== id)
  }

  #checkMessage(frame: MessageFrame): void {
    const state = this.#channel(frame.channel)
    const where = `message at offset ${frame.pos?.offset} on ${frame.channel}`
    if (state.status !== 'subscribed') {
      if (state.pending.length > 0) return this.violate(`${where} before the reply to subscribe (command ${state.pending[0]}): the reply comes before any message of its subscription`, frame)
      if (state.status === 'unsubscribed') return this.violate(`${where} after the unsubscribe reply`, frame)
      if (state.status === 'ended-by-server') return this.violate(`${where} after the server's "unsubscribed" frame`, frame)
      return this.violate(`${where}, a channel this connection is not subscribed to`, frame)
    }
    const last = state.last
    if (!last || !frame.pos) return
    if (frame.pos.epoch === last.epoch) {
      if (frame.pos.offset <= last.offset) this.violate(`${where} repeats or reorders: the subscription is already past offset ${last.offset}`, frame)
      else if (frame.pos.offset > last.offset + 1) this.violate(`${where} skips offsets ${last.offset + 1}..${frame.pos.offset - 1}: a subscription delivers every offset after its cursor (${brief(last)}) in order`, frame)
    }
    if (frame.pos.epoch !== last.epoch || frame.pos.offset > last.offset) state.last = frame.pos
  }

  /** Presence frames, like messages, belong to a live subscription, after its reply. */
  #checkPresence(frame: PresenceFrame): void {
    const state = this.#channel(frame.channel)
    if (state.status === 'subscribed') return
    const where = `presence ${frame.action} of ${frame.member?.sub} on ${frame.channel}`
    if (state.pending.length > 0) return this.violate(`${where} before the reply to subscribe (command ${state.pending[0]}): the snapshot in the reply comes first`, frame)
    this.violate(`${where}, a channel this connection is not subscribed to`, frame)
  }

  /** Records something the server did wrong that no frame wait would catch (a bad poll answer). */
  violate(message: string, frame: unknown): void {
    this.violations.push({ message: `${this.#label()}: ${message}`, frame })
  }
}
