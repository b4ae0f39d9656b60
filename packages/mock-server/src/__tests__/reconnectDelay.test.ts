import { afterEach, describe, expect, it, vi } from 'vitest'
import { reconnectDelay } from '../redis/reconnectDelay'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('reconnectDelay', () => {
  it('doubles from 50 ms up to the cap, with half of each delay random', () => {
    const delay = reconnectDelay(2000)
    vi.spyOn(Math, 'random').mockReturnValue(1)
    expect([0, 1, 2, 3, 4, 5, 6, 40].map(delay)).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000])
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect([0, 1, 6, 40].map(delay)).toEqual([25, 50, 1000, 1000])
  })
})
