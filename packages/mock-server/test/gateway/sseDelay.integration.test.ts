import type { MessageFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { SseClient } from '@lifeline/testkit/raw'
import { mintToken, useIntegrationHooks } from '../server/support'
import { HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

describe.each(HOSTS)('delayed SSE writes on the %s host', (kind) => {
  it('keep their order when the delay shrinks between writes', async () => {
    const host = await startHost(kind)
    const stream = await SseClient.connect(host, await mintToken('grace'))
    expect((await stream.command(host, 'subscribe', { channel: 'leaderboard' })).ok).toBe(true)
    // Each write is due before the one before it: a timer per write would deliver them backwards.
    for (const [n, delayMs] of [[1, 400], [2, 200], [3, 100], [4, 0]] as const) {
      host.faults.sseDelayMs = delayMs
      await host.publish('leaderboard', 'score', n)
    }
    const received = await stream.messagesOf('leaderboard', 4)
    expect(received.map((message: MessageFrame) => message.data)).toEqual([1, 2, 3, 4])
    expect(stream.eventIds.map((id) => Number(id.split(':')[1]))).toEqual([1, 2, 3, 4])
  })

  it('hold replies and channel messages in one queue, so a reply never overtakes a message', async () => {
    const host = await startHost(kind)
    const stream = await SseClient.connect(host, await mintToken('grace'))
    await stream.command(host, 'subscribe', { channel: 'leaderboard' })
    host.faults.sseDelayMs = 300
    await host.publish('leaderboard', 'score', 1)
    host.faults.sseDelayMs = 0
    const pong = await stream.command(host, 'ping', {})
    expect(pong.ok).toBe(true)
    const order = stream.frames.filter((frame) => frame.type === 'message' || (frame.type === 'reply' && frame.id === pong.id))
    expect(order.map((frame) => frame.type)).toEqual(['message', 'reply'])
  })
})
