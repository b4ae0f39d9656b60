import { describe, it, vi } from 'vitest'
import { click, count, number, text } from './support/dom'
import { describeStories, LIVE } from './support/storyTab'

// The auth lab: short-lived tokens refreshed in-band, and a revoked user stopped.

// Browser round trips on a shared, busy machine: generous, and never a timing assertion.
vi.setConfig({ testTimeout: 60_000 })

describeStories((stories) => {
  const { openStory, screenshot } = stories

  describe.sequential('auth lab', () => {
    // sample: auth-lab
    it('auth lab: short tokens are refreshed on the open connection, and a revoked user is stopped', async ({ expect }) => {
      const user = 'auth-e2e'
      const { page } = await openStory('labs-auth-lab--short-lived-tokens', { user })
      const [before] = stories.gallery.server.clients.filter((client) => client.user === user)
      expect(before).toBeDefined()

      await expect.poll(() => number(page, 'refresh-count'), LIVE).toBeGreaterThanOrEqual(1)
      expect(await text(page, 'handshake-count')).toBe('1')
      expect(await text(page, 'auth-status')).toBe('connected')
      // The server still holds the same session: the token changed, the connection did not.
      expect(stories.gallery.server.clients.filter((client) => client.user === user).map((client) => client.id)).toEqual([before!.id])
      expect(await text(page, 'frames')).toContain('refresh')
      await screenshot(page, 'labs-auth-lab--refreshed')

      await click(page, { button: `Revoke ${user}` })
      await expect.poll(() => text(page, 'auth-status'), LIVE).toBe('disconnected')
      expect(await text(page, 'stopped-reason')).toContain('UNAUTHORIZED')
      expect(await count(page, '[data-testid="token-log"] tr[data-outcome="refused"]')).toBe(1)
      expect(stories.gallery.server.clients.filter((client) => client.user === user)).toEqual([])
      await screenshot(page, 'labs-auth-lab--revoked')

      await click(page, { button: 'Restore access and reconnect' })
      await expect.poll(() => text(page, 'auth-status'), LIVE).toBe('connected')
    })
    // end sample
  })
})
