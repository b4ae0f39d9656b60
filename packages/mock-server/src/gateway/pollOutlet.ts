import { byteLength, CloseCode, type ServerFrame } from '@lifeline/protocol'
import { encodedPerFrame } from '../encodedPerFrame'
import { unref } from '../engine/clock'
import { SESSION_NOT_FOUND, type Clock, type Outlet, type PollEnvelope, type PollVerdict, type Session } from '../engine/index'

export interface PollTimings {
  /** Longest hold of a poll that has nothing to answer yet. */
  pollMs: number
  /** A session not polled for this long (`heartbeatMs + pollMs`) is closed. */
  idleMs: number
  clock: Clock
}

/** A poll answered with frames (perhaps none). */
export type PollBatchVerdict = Extract<PollVerdict, { accepted: true }>

interface HeldPoll {
  ack: number
  answer(verdict: PollVerdict): void
  timer: unknown
}

/** The byte size of a publication's text, measured once for all its subscribers. */
const messageBytes = encodedPerFrame((text) => ({ bytes: byteLength(text) }))
const bytesOf = (text: string, frame: ServerFrame) => (frame.type === 'message' ? messageBytes(text, frame).bytes : byteLength(text))

const refuse = (status: number, code: 'BAD_REQUEST' | 'FORBIDDEN', message: string): PollVerdict => ({ accepted: false, status, error: { code, message } })

/**
 * The server's end of one long-polling session: every frame the session sends is numbered from 1
 * and kept until a poll acknowledges it, so a batch whose response was lost is simply sent again
 * to the next poll with the same `ack`. A poll with nothing to answer is held up to `pollMs` and
 * answered as soon as a frame arrives; a newer poll answers the held one with an empty batch.
 *
 * The outlet outlives its session briefly: after the session ends, polls still collect the frames
 * it left (the `disconnect` advice), and once everything is acknowledged, or nobody polled for
 * `idleMs`, the outlet is gone and polls get `404 SESSION_NOT_FOUND`.
 */
export class PollOutlet implements Outlet {
  readonly transport = 'long-polling'
  readonly #timings: PollTimings
  readonly #onGone: () => void
  #frames: { seq: number; text: string; bytes: number }[] = []
  #seq = 0
  #acked = 0
  #bytes = 0
  #held: HeldPoll | undefined
  #flushQueued = false
  #state: 'open' | 'ended' | 'gone' = 'open'
  #idle: unknown
  #session: Session | undefined

  /** `onGone` runs once, when no poll can reach this outlet any more. */
  constructor(timings: PollTimings, onGone: () => void) {
    this.#timings = timings
    this.#onGone = onGone
    this.#armIdle()
  }

  /** The session this outlet carries; its token's `sub` owns the polls. */
  attach(session: Session): void {
    this.#session = session
  }

  send(text: string, frame: ServerFrame): void {
    if (this.#state !== 'open') return
    const bytes = bytesOf(text, frame)
    this.#frames.push({ seq: ++this.#seq, text, bytes })
    this.#bytes += bytes
    this.#queueFlush()
  }

  /** Frames not yet acknowledged: a client that stops polling piles them up until it is cut off. */
  bufferedBytes(): number {
    return this.#bytes
  }

  close(code: number): void {
    if (this.#state !== 'open') return
    // A slow consumer is cut without goodbye; any other end leaves its frames to be collected.
    if (code === CloseCode.SLOW_CONSUMER) return this.#gone()
    this.#state = 'ended'
    this.#queueFlush()
  }

  /** Every frame after `ack`, at once (the answer to `POST /poll/connect`). */
  batchAfter(ack: number): PollBatchVerdict {
    const frames = this.#frames.filter((frame) => frame.seq > ack)
    return { accepted: true, seq: frames.at(-1)?.seq ?? ack, frames: frames.map((frame) => frame.text) }
  }

  /** One poll: the frames after `envelope.ack` now, or once they come, or an empty batch after `pollMs`. */
  poll({ subject, ack }: PollEnvelope): Promise<PollVerdict> {
    const owner = this.#session?.claims?.sub
    // No owner: the session was refused as it opened (its answer carried the disconnect advice).
    if (this.#state === 'gone' || owner === undefined) return Promise.resolve(SESSION_NOT_FOUND)
    if (subject !== owner) return Promise.resolve(refuse(403, 'FORBIDDEN', 'This session belongs to another user'))
    if (ack > this.#seq) return Promise.resolve(refuse(400, 'BAD_REQUEST', `ack ${ack} is past the last frame sent (${this.#seq})`))
    if (ack < this.#acked) return Promise.resolve(refuse(400, 'BAD_REQUEST', `Frames up to ${this.#acked} were acknowledged and are gone; ack ${ack} is behind them`))
    this.#forget(ack)
    // The client polls again: the held poll has been given up on (or is about to be).
    if (this.#held) this.#answer({ accepted: true, seq: this.#held.ack, frames: [] })
    this.#timings.clock.clearTimeout(this.#idle)
    if (this.#frames.length > 0) {
      const batch = this.batchAfter(ack)
      this.#armIdle()
      return Promise.resolve(batch)
    }
    if (this.#state === 'ended') {
      this.#gone()
      return Promise.resolve(SESSION_NOT_FOUND)
    }
    return new Promise((answer) => {
      const timer = this.#timings.clock.setTimeout(() => this.#answer({ accepted: true, seq: ack, frames: [] }), this.#timings.pollMs)
      unref(timer)
      this.#held = { ack, answer, timer }
    })
  }

  #forget(ack: number): void {
    this.#acked = ack
    let drop = 0
    while (drop < this.#frames.length && this.#frames[drop]!.seq <= ack) this.#bytes -= this.#frames[drop++]!.bytes
    if (drop > 0) this.#frames.splice(0, drop)
  }

  /**
   * Answers a held poll on a microtask, so that the frames one turn sends (a subscribe reply and
   * the replay behind it) leave in one batch rather than one poll each.
   */
  #queueFlush(): void {
    if (!this.#held || this.#flushQueued) return
    this.#flushQueued = true
    queueMicrotask(() => {
      this.#flushQueued = false
      const held = this.#held
      if (!held) return
      if (this.#frames.length > 0) this.#answer(this.batchAfter(held.ack))
      else if (this.#state === 'ended') {
        this.#answer(SESSION_NOT_FOUND)
        this.#gone()
      }
    })
  }

  #answer(verdict: PollVerdict): void {
    const held = this.#held
    if (!held) return
    this.#held = undefined
    this.#timings.clock.clearTimeout(held.timer)
    held.answer(verdict)
    this.#armIdle()
  }

  #armIdle(): void {
    const { clock, idleMs } = this.#timings
    clock.clearTimeout(this.#idle)
    if (this.#state === 'gone') return
    this.#idle = clock.setTimeout(() => {
      // Nobody polled: the client is gone (or will learn from a 404 that its session is).
      this.#gone()
      this.#session?.closed()
    }, idleMs)
    // A stopped server's ended outlets must not keep the process alive until they time out.
    unref(this.#idle)
  }

  #gone(): void {
    if (this.#state === 'gone') return
    this.#state = 'gone'
    this.#answer(SESSION_NOT_FOUND)
    this.#timings.clock.clearTimeout(this.#idle)
    this.#frames = []
    this.#bytes = 0
    this.#onGone()
  }
}
