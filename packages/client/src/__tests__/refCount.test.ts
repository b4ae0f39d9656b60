import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { refCount } from '../refCount'

const timing = {
  releaseGraceMs: 1000,
  schedule(callback: () => void, ms: number) {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
}

describe('refCount', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('releases the grace period after the last hold ends, not before', async () => {
    const release = vi.fn()
    const hold = refCount(release, timing)
    const first = hold()
    const second = hold()
    expect(hold.size).toBe(2)
    first()
    await vi.advanceTimersByTimeAsync(5000)
    expect(release).not.toHaveBeenCalled()
    second()
    expect(hold.size).toBe(0)
    await vi.advanceTimersByTimeAsync(999)
    expect(release).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(release).toHaveBeenCalledTimes(1)
  })

  it('keeps the resource when a hold is taken again within the grace (an unmount and remount)', async () => {
    const release = vi.fn()
    const hold = refCount(release, timing)
    hold()()
    await vi.advanceTimersByTimeAsync(500)
    const again = hold()
    await vi.advanceTimersByTimeAsync(5000)
    expect(release).not.toHaveBeenCalled()
    again()
    await vi.advanceTimersByTimeAsync(1000)
    expect(release).toHaveBeenCalledTimes(1)
  })

  it('counts a release called twice once', async () => {
    const release = vi.fn()
    const hold = refCount(release, timing)
    const first = hold()
    hold()
    first()
    first()
    expect(hold.size).toBe(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(release).not.toHaveBeenCalled()
  })
})
