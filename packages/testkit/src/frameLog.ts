import type { MessageFrame, ReplyFrame, ServerFrame } from '@lifeline/protocol'
import { realClearTimeout, realSetTimeout } from './realTimers'

/** How long a wait for a frame lasts before it fails with what did arrive; generous for a loaded machine. */
export const WAIT_MS = 10_000


/**
 * The frames one raw connection received, in order, with ways to wait for the ones a test expects.
 * Waits wake on each frame (no polling) and fail after `timeoutMs` naming the last frames received.
 */
export class FrameLog {
  readonly frames: ServerFrame[] = []
  readonly #waiters = new Set<() => void>()

  /** Appends `frame` and wakes the waits. */
  protected record(frame: ServerFrame): void {
    this.frames.push(frame)
    for (const wake of [...this.#waiters]) wake()
  }

  /**
   * The first frame (received so far or later) for which `predicate` holds.
   * @example const error = await client.frame((frame) => frame.type === 'error', 'an error frame')
   */
  frame<F extends ServerFrame = ServerFrame>(predicate: (frame: ServerFrame) => boolean, what = 'that matches', timeoutMs = WAIT_MS): Promise<F> {
    return new Promise((resolve, reject) => {
      const done = () => {
        realClearTimeout(timer)
        this.#waiters.delete(check)
      }
      const check = () => {
        const found = this.frames.find(predicate)
        if (!found) return
        done()
        resolve(found as F)
      }
      const timer = realSetTimeout(() => {
        done()
        reject(new Error(`No frame ${what} within ${timeoutMs} ms; last received: ${this.describe()}`))
      }, timeoutMs)
      this.#waiters.add(check)
      check()
    })
  }

  /** The reply to command `id`. */
  reply(id: number): Promise<ReplyFrame> {
    return this.frame<ReplyFrame>(replyTo(id), `reply to command ${id}`)
  }

  /** Channel messages received so far, optionally of one channel. */
  messages(channel?: string): MessageFrame[] {
    return this.frames.filter((frame): frame is MessageFrame => frame.type === 'message' && (channel === undefined || frame.channel === channel))
  }

  /** Waits until `count` messages of `channel` have arrived and returns them. */
  async messagesOf(channel: string, count: number, timeoutMs = WAIT_MS): Promise<MessageFrame[]> {
    await this.frame(() => this.messages(channel).length >= count, `number ${count} on ${channel}`, timeoutMs)
    return this.messages(channel)
  }

  /** The last five frames, for failure messages. */
  describe(): string {
    return JSON.stringify(this.frames.slice(-5))
  }
}

/** Whether `frame` is the reply to command `id`: `frames.filter(replyTo(2))`. */
export const replyTo =
  (id: number) =>
  (frame: ServerFrame): frame is ReplyFrame =>
    frame.type === 'reply' && frame.id === id

/** The reply's result, failing the test with the error code when the reply is an error. */
export function resultOf<T>(reply: ReplyFrame): T {
  if (!reply.ok) throw new Error(`expected ok, got ${reply.error.code}: ${reply.error.message}`)
  return reply.result as T
}

/** The reply's error code, failing the test when the reply is ok. */
export function errorOf(reply: ReplyFrame): string {
  if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply.result)}`)
  return reply.error.code
}
