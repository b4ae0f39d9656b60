import { describe, expect, it } from 'vitest'
import { Heartbeat } from '../engine/heartbeat'
import { ManualClock } from '../../test/server/manualClock'

describe('Heartbeat', () => {
  it('keeps beating every other member at each interval when one member throws on its beat, and logs each throw', () => {
    const clock = new ManualClock()
    const logged: string[] = []
    const heartbeat = new Heartbeat(clock, 1_000, (message) => logged.push(message))
    const beats: string[] = []
    const member = (name: string, throws = false) => ({
      heartbeatDue() {
        beats.push(name)
        if (throws) throw new Error('a broken outlet')
      },
    })
    for (const each of [member('a'), member('broken', true), member('c')]) heartbeat.add(each)
    clock.advance(3_000)
    expect(beats).toEqual(['a', 'broken', 'c', 'a', 'broken', 'c', 'a', 'broken', 'c'])
    expect(logged).toEqual(['heartbeat failed', 'heartbeat failed', 'heartbeat failed'])
  })
})
