import type { Tick } from './benchServer'
import { monotonicMicros } from './stats'

export interface LatencySummary {
  received: number
  /**
   * Publish-to-receive latencies as a histogram: `[bucket, count]` with buckets of 0.01 ms (10 µs),
   * so the groups of a phase merge exactly and percentiles are within 0.01 ms.
   */
  histogram: [number, number][]
  /** Each publish's fastest delivery in this group: `[seq, ms]`. */
  fastest: [number, number][]
  /** Monotonic microseconds of the first and last receipt in the phase. */
  firstAt: number
  lastAt: number
}

/** Collects the publish-to-receive latencies of one phase for one client group. */
export class LatencyRecorder {
  #histogram = new Map<number, number>()
  #received = 0
  /** Fastest delivery per publish (`seq`), µs; at most one entry per publish of the phase. */
  #fastest = new Map<number, number>()
  #firstAt = 0
  #lastAt = 0

  get received(): number {
    return this.#received
  }

  /** Starts a phase. */
  reset(): void {
    this.#histogram.clear()
    this.#received = 0
    this.#fastest.clear()
    this.#firstAt = 0
    this.#lastAt = 0
  }

  record(tick: Tick): void {
    const now = monotonicMicros()
    const latency = now - tick.t
    const bucket = Math.round(latency / 10)
    this.#histogram.set(bucket, (this.#histogram.get(bucket) ?? 0) + 1)
    const fastest = this.#fastest.get(tick.seq)
    if (fastest === undefined || latency < fastest) this.#fastest.set(tick.seq, latency)
    if (this.#received === 0) this.#firstAt = now
    this.#lastAt = now
    this.#received += 1
  }

  summary(): LatencySummary {
    return {
      received: this.#received,
      histogram: [...this.#histogram],
      fastest: [...this.#fastest].map(([seq, micros]) => [seq, micros / 1000]),
      firstAt: this.#firstAt,
      lastAt: this.#lastAt,
    }
  }
}
