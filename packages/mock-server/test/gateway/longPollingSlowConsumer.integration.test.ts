import { describe, expect, it } from 'vitest'
import { PollClient, request } from '@lifeline/testkit/raw'
import { mintToken, useIntegrationHooks } from '../server/support'
import { HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

describe.each(HOSTS)('a long-polling client that stops polling, on the %s host', (kind) => {
  it('is cut once its unacknowledged frames pass the send buffer, and the others keep everything', async () => {
    const host = await startHost(kind, { maxBufferedBytes: 256 * 1024 })
    const stalled = await PollClient.connect(host, await mintToken('stalled'))
    const polling = await PollClient.connect(host, await mintToken('polling'))
    await stalled.command('subscribe', { channel: 'leaderboard' })
    await polling.command('subscribe', { channel: 'leaderboard' })
    polling.pump()
    const payload = 'x'.repeat(16 * 1024)
    let published = 0
    // Bounded: 256 KiB of frames is 16 of these; far more are allowed before the test gives up.
    while (host.clients.some((client) => client.user === 'stalled') && published < 200) {
      await host.publish('leaderboard', 'blob', payload)
      published += 1
      // The polling client collects each message before the next is published, so only the stalled one falls behind.
      await polling.messagesOf('leaderboard', published)
    }
    expect(published).toBeLessThan(200)
    expect(host.clients.map((client) => client.user)).toEqual(['polling'])
    // Cut without goodbye: the frames it never collected are dropped, and its next poll learns it is gone.
    const after = await stalled.poll()
    expect([after.status, after.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
    expect((await request(host, '/metrics')).body).toContain('lifeline_errors_total{code="SLOW_CONSUMER"} 1')
  })
})
