import { PROTOCOL_VERSION, type ReplyFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('reply order over WebSocket', () => {
  it('answers malformed commands in their turn, behind the commands sent before them', async () => {
    const server = await startServer()
    const client = await WsClient.open(server)
    // Pipelined behind connect, whose reply waits for the token check: the refusals of the
    // malformed commands must not overtake it, nor the subscribe queued behind it.
    client.send({ id: 1, type: 'connect', v: PROTOCOL_VERSION, token: await mintToken('ada') })
    client.send({ id: 2, type: 'subscribe', channel: 'board:1' })
    client.send({ id: 3, type: 'teleport' })
    client.send({ id: 4, type: 'subscribe', channel: 'spaces are not allowed' })
    client.send(`{"id":5,"type":"ping","pad":"${'x'.repeat(70_000)}"}`)
    client.send({ id: 6, type: 'ping' })
    await client.reply(6)
    const replies = client.frames.filter((frame): frame is ReplyFrame => frame.type === 'reply')
    expect(replies.map((reply) => [reply.id, reply.ok ? 'ok' : reply.error.code])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'UNKNOWN_COMMAND'],
      [4, 'BAD_REQUEST'],
      [5, 'FRAME_TOO_LARGE'],
      [6, 'ok'],
    ])
  })

  it('drops the refusals queued behind a connect that fails, as it drops the other commands', async () => {
    const server = await startServer()
    const client = await WsClient.open(server)
    client.send({ id: 1, type: 'connect', v: PROTOCOL_VERSION, token: 'not-a-token' })
    client.send({ id: 2, type: 'teleport' })
    expect((await client.closed).code).toBe(4201)
    const replies = client.frames.filter((frame): frame is ReplyFrame => frame.type === 'reply')
    expect(replies.map((reply) => [reply.id, reply.ok ? 'ok' : reply.error.code])).toEqual([[1, 'UNAUTHORIZED']])
  })
})
