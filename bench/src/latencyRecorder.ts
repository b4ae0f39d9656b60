import type { Tick } from './benchServer'
import { monotonicMicros, percentile } from './stats'

export interface LatencySummary {
  received: number
  /** Publish-to-receive latency in milliseconds. */
  p50: number
  p99: number
  max: number
  /**
   * Median over publishes of each publish's fastest delivery: the pipeline's own latency (publish,
   * broker, first socket), without the time the client core spends draining one broadcast.
   */
  headP50: number
  /** Monotonic microseconds of the first and last receipt in the phase. */
  firstAt: number
  lastAt: number
}

/** Collects publish-to-receive latencies of one phase in a bounded buffer. */
export class LatencyRecorder {
  #samples = new Float64Array(0)
  #received = 0
  /** Fastest delivery per publish (`seq`); at most one entry per publish of the phase. */
  #fastest = new Map<number, number>()
  #firstAt = 0
  #lastAt = 0

  get received(): number {
    return this.#received
  }

  /** Starts a phase; at most `capacity` latencies are kept (receipts are always counted). */
  reset(capacity: number): void {
    if (this.#samples.length < capacity) this.#samples = new Float64Array(capacity)
    this.#received = 0
    this.#fastest.clear()
    this.#firstAt = 0
    this.#lastAt = 0
  }

  record(tick: Tick): void {
    const now = monotonicMicros()
    const latency = now - tick.t
    if (this.#received < this.#samples.length) this.#samples[this.#received] = latency
    const fastest = this.#fastest.get(tick.seq)
    if (fastest === undefined || latency < fastest) this.#fastest.set(tick.seq, latency)
    if (this.#received === 0) this.#firstAt = now
    this.#lastAt = now
    this.#received += 1
  }

  summary(): LatencySummary {
    const kept = this.#samples.slice(0, Math.min(this.#received, this.#samples.length)).sort()
    const ms = (micros: number) => micros / 1000
    return {
      received: this.#received,
      p50: ms(percentile(kept, 0.5)),
      p99: ms(percentile(kept, 0.99)),
      max: ms(kept.length ? kept[kept.length - 1]! : Number.NaN),
      headP50: ms(percentile([...this.#fastest.values()].sort((a, b) => a - b), 0.5)),
      firstAt: this.#firstAt,
      lastAt: this.#lastAt,
    }
  }
}
