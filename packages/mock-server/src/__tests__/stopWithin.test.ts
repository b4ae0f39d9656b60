import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { stopWithin, type StopOutcome, type StopStep } from '../stopWithin'

/** A step whose close never settles: a broker whose Redis took the connection and never answers. */
const hanging = (name: string): StopStep => ({ name, close: () => new Promise<void>(() => {}) })
const closing = (name: string, closed: string[]): StopStep => ({
  name,
  close: async () => {
    closed.push(name)
  },
})

/** Starts the stop and records its outcome once it settles. */
function start(steps: StopStep[], deadlineMs: number): { outcome: () => StopOutcome | undefined } {
  let outcome: StopOutcome | undefined
  void stopWithin(steps, deadlineMs).then((settled) => (outcome = settled))
  return { outcome: () => outcome }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('stopWithin', () => {
  it('gives up at the deadline on a close that never finishes, naming what did not close, with exit code 1', async () => {
    const closed: string[] = []
    const stop = start([closing('the server', closed), hanging('the Redis broker')], 8000)
    await vi.advanceTimersByTimeAsync(7999)
    expect(stop.outcome()).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(closed).toEqual(['the server'])
    expect(stop.outcome()).toEqual({ code: 1, problem: 'Could not stop within 8 s: the Redis broker did not close; exiting' })
    expect(stop.outcome()!.problem).not.toContain('\n')
  })

  it('names the first step when it is the one that hangs, and never starts the next', async () => {
    const closed: string[] = []
    const stop = start([hanging('the server'), closing('the broker', closed)], 8000)
    await vi.advanceTimersByTimeAsync(8000)
    expect(stop.outcome()).toEqual({ code: 1, problem: 'Could not stop within 8 s: the server did not close; exiting' })
    expect(closed).toEqual([])
  })

  it('exits 0 once every step closed, in order, and leaves no timer behind', async () => {
    const closed: string[] = []
    const stop = start([closing('the server', closed), closing('the broker', closed)], 8000)
    await vi.advanceTimersByTimeAsync(0)
    expect(stop.outcome()).toEqual({ code: 0 })
    expect(closed).toEqual(['the server', 'the broker'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('exits 1 at once with a line naming a step whose close failed', async () => {
    const stop = start([{ name: 'the Redis broker', close: () => Promise.reject(new Error('connection reset')) }], 8000)
    await vi.advanceTimersByTimeAsync(0)
    expect(stop.outcome()).toEqual({ code: 1, problem: 'Could not stop cleanly: the Redis broker failed to close (connection reset)' })
    expect(vi.getTimerCount()).toBe(0)
  })
})
