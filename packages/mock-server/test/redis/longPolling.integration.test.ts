import type { MessageFrame } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { PollClient, pollConnect } from '@lifeline/testkit/raw'
import { DEFAULT_JWT_SECRET, type MockServer } from '../../src/index'
import { mintToken, useIntegrationHooks } from '../server/support'
import { allowSlowMachines } from './support/patience'
import { publishApi } from './support/replicas'
import { useReplicas } from './support/useReplicas'

useIntegrationHooks()
allowSlowMachines()

const setup = useReplicas(2)
const token = (sub: string) => mintToken(sub, { secret: DEFAULT_JWT_SECRET })
/** The two replicas' servers: the test opens sessions on the first and talks to them through the second. */
const servers = () => setup.replicas.map(({ server }) => server) as [MockServer, MockServer]
const dataOf = (client: PollClient, channel: string) => client.messages(channel).map((message: MessageFrame) => message.data)

describe('long-polling across two replicas on one Redis', () => {
  it('serves a session whose polls and commands all land on the replica that does not hold it', async () => {
    const [holder, other] = servers()
    const client = await PollClient.connect(holder, await token('ada'))
    client.server = other
    expect(await client.command('subscribe', { channel: 'board:1' })).toMatchObject({ ok: true, result: { position: { offset: 0 } } })
    await holder.publish('board:1', 'move', 1)
    await other.publish('board:1', 'move', 2)
    await publishApi(other, { channel: 'board:1', event: 'move', data: 3 })
    expect(await client.command('publish', { channel: 'board:1', event: 'move', data: 4, key: 'k4' })).toMatchObject({ ok: true, result: { position: { offset: 4 } } })
    await client.pollUntil((frame) => frame.type === 'message' && frame.data === 4, 'message 4')
    expect(dataOf(client, 'board:1')).toEqual([1, 2, 3, 4])
    expect(client.messages('board:1').map((message) => message.pos.offset)).toEqual([1, 2, 3, 4])
    expect(holder.clients.map((info) => info.transport)).toEqual(['long-polling'])
    expect(other.clients).toEqual([])
  })

  it('holds a poll routed from the other replica until a frame comes, and sends a lost batch again', async () => {
    const [holder, other] = servers()
    const client = await PollClient.connect(holder, await token('ada'))
    client.server = other
    await client.command('subscribe', { channel: 'leaderboard' })
    const acked = client.seq
    // Two polls through the other replica: the holder answers the first with an empty batch when
    // the second arrives, and holds the second.
    const polls = [client.poll({ ack: acked }), client.poll({ ack: acked })]
    const first = await Promise.race(polls.map((poll, index) => poll.then((answer) => ({ answer, index }))))
    expect(first.answer.body).toEqual({ seq: acked, frames: [] })
    client.server = holder
    await client.post({ id: 40, type: 'ping' })
    const batch = await polls[1 - first.index]!
    expect(batch.body.frames).toEqual([{ type: 'reply', id: 40, ok: true, result: {} }])
    // That batch is lost on its way: the next poll with the same ack gets it again.
    client.server = other
    const again = await client.poll({ ack: acked })
    expect(again.body).toEqual(batch.body)
  })

  it('answers polls for unknown sessions with 404, and for another user with 403, through either replica', async () => {
    const [holder, other] = servers()
    const client = await PollClient.connect(holder, await token('ada'))
    client.server = other
    const unknown = await client.poll({ session: 's_unknown' })
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND'])
    const stranger = await client.poll({ token: await token('mallory') })
    expect([stranger.status, stranger.body.error.code]).toEqual([403, 'FORBIDDEN'])
    expect((await pollConnect(other, await token('grace'))).status).toBe(200)
    expect(other.clients.map((info) => info.user)).toEqual(['grace'])
  })
})
