import { describe, expect, it } from 'vitest'
import { mintToken, useIntegrationHooks } from '../server/support'
import { connectGlobalWebSocket, HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

describe.each(HOSTS)('webSocketDelayMs on the %s host', (kind) => {
  it('holds the frames a WebSocket gets back, and keeps their order when the delay shrinks between them', async () => {
    const host = await startHost(kind)
    const client = await connectGlobalWebSocket(host, await mintToken('ada'))
    await client.command('subscribe', { channel: 'leaderboard' })
    host.faults.webSocketDelayMs = 300
    await host.publish('leaderboard', 'score', 1)
    host.faults.webSocketDelayMs = 0
    await host.publish('leaderboard', 'score', 2)
    const pong = client.command('ping', {})
    // The first message waits its 300 ms; the later ones queue behind it instead of overtaking it.
    expect((await client.messagesOf('leaderboard', 2)).map((message) => message.data)).toEqual([1, 2])
    expect((await pong).ok).toBe(true)
    expect(client.frames.map((frame) => frame.type).slice(-3)).toEqual(['message', 'message', 'reply'])
  })
})
