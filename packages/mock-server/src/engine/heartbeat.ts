import type { Clock } from './clock'

/** What the heartbeat beats: an open session. */
export interface HeartbeatMember {
  /**
   * A beat of this member is due now: it sends the `ping` frame and the transport's keepalive,
   * except while the client has sent a frame of its own within the last interval (a client that
   * pings on its own already proves both directions, so an idle connection carries about one small
   * frame per interval instead of two; a client that sends nothing is still pinged at every beat).
   */
  heartbeatDue(now: number): void
}

/**
 * The engine's heartbeat: each member beats every `intervalMs` from the moment it joined, as if
 * it had an interval timer of its own, but the whole engine holds one timer. A timer per session
 * cost a `Timeout` and its closures on every idle connection.
 *
 * @note One interval for every member means the order members join in is the order their beats
 * come due, and a member that beats goes back to the end: a `Map` in insertion order is the queue,
 * and the one timer waits for its head. The timer is the injected clock's `setInterval`, stopped at
 * its first tick: the heartbeat was always a periodic timer to the clock, and a test clock may run
 * intervals in real time while it moves timeouts by hand.
 */
export class Heartbeat {
  readonly #clock: Clock
  readonly #intervalMs: number
  readonly #log: ((message: string, error: unknown) => void) | undefined
  /** Each member's next beat, in due order (see the class note). */
  readonly #due = new Map<HeartbeatMember, number>()
  #timer: unknown

  constructor(clock: Clock, intervalMs: number, log?: (message: string, error: unknown) => void) {
    this.#clock = clock
    this.#log = log
    // A zero interval would beat in a busy loop; an interval timer waits at least 1 ms too.
    this.#intervalMs = Math.max(1, intervalMs)
  }

  /** `member` beats `intervalMs` from now, and every `intervalMs` after, until {@link delete}. */
  add(member: HeartbeatMember): void {
    this.#due.delete(member)
    this.#due.set(member, this.#clock.now() + this.#intervalMs)
    this.#arm()
  }

  delete(member: HeartbeatMember): void {
    this.#due.delete(member)
    if (this.#due.size > 0 || this.#timer === undefined) return
    this.#clock.clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Waits for the head of the queue; nothing when there are no members. */
  #arm(): void {
    // A member added during a sweep may have armed it already.
    if (this.#timer !== undefined) return
    const head = this.#due.values().next()
    if (head.done) return
    const timer = this.#clock.setInterval(() => {
      this.#clock.clearInterval(timer)
      this.#timer = undefined
      this.#sweep()
    }, Math.max(1, head.value - this.#clock.now()))
    this.#timer = timer
  }

  #sweep(): void {
    const now = this.#clock.now()
    // One iterator over the queue: members that beat move behind it, due later than now, so the
    // loop stops at them at the latest; bounded by the members there were all the same.
    let left = this.#due.size
    for (const [member, due] of this.#due) {
      if (due > now || left === 0) break
      left -= 1
      // A timer that fired more than an interval late beats once, as an interval timer would, not once per missed interval.
      this.#due.delete(member)
      this.#due.set(member, due + this.#intervalMs > now ? due + this.#intervalMs : now + this.#intervalMs)
      // Re-queued before it beats: a member whose beat ends it (a dead socket) deletes itself for good.
      try {
        member.heartbeatDue(now)
      } catch (error) {
        // One timer beats every member: a throw (an outlet of the host's) must not stop the others' beats for good.
        this.#log?.('heartbeat failed', error)
      }
    }
    this.#arm()
  }
}
