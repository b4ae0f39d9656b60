/**
 * What judges one session's send buffer. An object with a method rather than a callback, so a
 * session needs no closure of its own for it.
 */
export interface BufferCheck {
  checkBuffer(): void
}

/**
 * Judges send buffers once the event-loop turn is over, with one timer for the whole engine rather
 * than one per session: a host may hold a whole turn's writes before the network takes any (Node's
 * HTTP response corks the socket until the next tick), so a burst within one turn, such as a
 * history replay, is no sign of a slow consumer. A real timer, not the injected clock: this is
 * about the event loop, not about time.
 */
export class SendBufferWatch {
  #checks: BufferCheck[] = []
  readonly #log: ((message: string, error: unknown) => void) | undefined

  constructor(log?: (message: string, error: unknown) => void) {
    this.#log = log
  }

  /** Runs `check.checkBuffer()` after this turn, with the other checks of the turn; call it once per turn. */
  afterTurn(check: BufferCheck): void {
    this.#checks.push(check)
    if (this.#checks.length === 1) setTimeout(() => this.#run(), 0)
  }

  #run(): void {
    const checks = this.#checks
    // Checks added while these run (a close that makes a listener send) get a timer of their own.
    this.#checks = []
    for (const check of checks) {
      try {
        check.checkBuffer()
      } catch (error) {
        this.#log?.('send buffer check failed', error)
      }
    }
  }
}
