import { describe, expect, it } from 'vitest'
import { TokenExpiry } from '../engine/tokenExpiry'
import { ManualClock } from '../../test/server/manualClock'

describe('TokenExpiry', () => {
  it('expires every session of an expiry second when one of them throws, and logs the throw', () => {
    const clock = new ManualClock()
    const logged: string[] = []
    const expiry = new TokenExpiry(clock, (message) => logged.push(message))
    const expired: string[] = []
    const session = (name: string, throws = false) => ({
      expireToken() {
        expired.push(name)
        if (throws) throw new Error('a broken outlet')
      },
    })
    const exp = Math.floor(clock.now() / 1000) + 60
    for (const each of [session('a'), session('broken', true), session('c')]) expect(expiry.schedule(each, exp, undefined)).toBeLessThanOrEqual(60_000)
    clock.advance(60_000)
    expect(expired).toEqual(['a', 'broken', 'c'])
    expect(logged).toEqual(['token expiry failed'])
  })
})
