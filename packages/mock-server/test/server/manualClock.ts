import type { Clock } from '../../src/engine/index'

/**
 * A clock for the engine whose time moves only when the test calls `advance()`: timeouts and
 * intervals (the heartbeat) fire in order, each at its own due time, so a test can tell which
 * heartbeat beats happen without waiting for real time.
 */
export class ManualClock implements Clock {
  #now = Date.now()
  #timers = new Map<number, { due: number; every?: number; callback: () => void }>()
  #nextHandle = 1

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): unknown {
    return this.#add({ due: this.#now + ms, callback })
  }

  setInterval(callback: () => void, ms: number): unknown {
    return this.#add({ due: this.#now + ms, every: Math.max(1, ms), callback })
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  /** Moves time forward by `ms`, running every timer that comes due on the way at its due time. */
  advance(ms: number): void {
    const end = this.#now + ms
    // Bounded: a test advances by a few intervals, never by ten thousand.
    for (let fired = 0; fired < 10_000; fired += 1) {
      const next = [...this.#timers].sort(([, a], [, b]) => a.due - b.due)[0]
      if (!next || next[1].due > end) break
      const [handle, timer] = next
      this.#now = timer.due
      if (timer.every === undefined) this.#timers.delete(handle)
      else timer.due += timer.every
      timer.callback()
    }
    this.#now = end
  }

  #add(timer: { due: number; every?: number; callback: () => void }): number {
    const handle = this.#nextHandle++
    this.#timers.set(handle, timer)
    return handle
  }
}
