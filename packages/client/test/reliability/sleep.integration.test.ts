import { describe, expect, it, vi } from 'vitest'
import { useHarness } from '../support/harness'
import { FAST } from './support/fast'
import { useFaultProxy } from './support/useFaultProxy'
import { sleepyClock } from './support/sleepyClock'
import { account, everyMessage } from './support/invariant'
import { publishNumbered, streaming } from './support/tally'

// Real sockets on a shared machine: wait generously, never assert on speed.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const harness = useHarness()
const proxy = useFaultProxy(harness)

const CHANNEL = 'leaderboard'

const SLEEPS = [
  {
    what: 'after the lid opens, the dead link is dropped and what was missed is recovered',
    // A minute: the heartbeat watchdog is long overdue when the lid opens.
    sleepMs: 60_000,
    options: {},
  },
  {
    what: 'a sleep shorter than the heartbeat window still drops the dead link on waking, not when the watchdog fires',
    // 20 s: past the sleep detector's drift threshold, well inside this liveness window.
    sleepMs: 20_000,
    // A liveness window this long cannot end within the test: only the check made on waking can notice the dead link.
    options: { livenessMs: 10 * 60_000 },
  },
]

describe('laptop sleep', () => {
  describe.each(SLEEPS)('$what', ({ sleepMs, options }) => {
    it.each(['websocket', 'sse'] as const)('over %s', async (transport) => {
      const clock = sleepyClock()
      const client = harness.client({ ...FAST, url: proxy.url, transports: [transport], timers: clock.timers, now: clock.now, ...options })
      const { seen, published } = await streaming(harness.server, client, CHANNEL, 10)

      // Lid closed: the client's timers freeze and its connection silently dies (Wi-Fi gone, NAT forgot it).
      clock.sleep()
      proxy.blackhole()
      await publishNumbered(harness.server, CHANNEL, 11, 30, published)
      clock.wake(sleepMs)

      await expect.poll(() => new Set(seen.received).size, { timeout: 30_000 }).toBe(30)
      expect(account(published, seen)).toEqual(everyMessage(30))
      expect(seen.gaps).toEqual([])
      expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport })
    })
  })
})
