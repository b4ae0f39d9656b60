import type { MessageFrame, PresenceFrame, SubscribeResult } from '@lifeline/protocol'
import { closeAfterTest, resultOf, WsClient, type Target } from '@lifeline/testkit/raw'
import { startRedis } from '@lifeline/testkit/tools'
import { describe, expect, it } from 'vitest'
import { DEFAULT_JWT_SECRET, signToken } from '../../src/index'
import { listeningUrl, runCli } from '../server/runCli'
import { eventually, useIntegrationHooks } from '../server/support'
import { PATIENCE } from './support/patience'
import { API_KEY, publishApi, startReplicas, type Replica } from './support/replicas'

useIntegrationHooks()

/** The shortest the broker takes, so a dead replica's presence times out soon: its bound is this plus a third. */
const PRESENCE_TTL_MS = 1000

async function replicas(count: number): Promise<{ redisUrl: string; replicas: Replica[] }> {
  const redis = await startRedis()
  closeAfterTest(() => redis.kill())
  const started = await startReplicas(count, redis.url, { presenceTtlMs: PRESENCE_TTL_MS })
  closeAfterTest(() => Promise.all(started.map((replica) => replica.stop())))
  return { redisUrl: redis.url, replicas: started }
}

const connect = async (server: Target, sub: string) => WsClient.connect(server, await signToken({ secret: DEFAULT_JWT_SECRET, sub, roles: [] }))

const join = async (client: WsClient, channel: string, presence: { data?: unknown } = {}) => resultOf<SubscribeResult>(await client.command('subscribe', { channel, presence }))

const changes = (client: WsClient, channel: string) =>
  client.frames.filter((frame): frame is PresenceFrame => frame.type === 'presence' && frame.channel === channel).map(({ action, member }) => ({ action, member }))

/** Waits until `client` has heard `count` presence changes of `channel`, and answers them. */
const changesOf = (client: WsClient, channel: string, count: number) =>
  eventually(() => {
    const heard = changes(client, channel)
    expect(heard.length, JSON.stringify(heard)).toBeGreaterThanOrEqual(count)
    return heard
  }, PATIENCE.timeout)

const bySub = (members: SubscribeResult['presence']) => [...(members ?? [])].sort((one, other) => one.sub.localeCompare(other.sub))

describe('presence on two replicas of one Redis', () => {
  it("counts a user's connections on both replicas as one member, with its latest connection's data, and tells every member of each change once", async () => {
    const [first, second] = (await replicas(2)).replicas.map(({ server }) => server) as [Replica['server'], Replica['server']]
    const watcher = await connect(second, 'grace')
    expect((await join(watcher, 'comments:p')).presence).toEqual([{ sub: 'grace', connections: 1 }])

    const ada1 = await connect(first, 'ada')
    expect(bySub((await join(ada1, 'comments:p', { data: { n: 1 } })).presence)).toEqual([
      { sub: 'ada', connections: 1, data: { n: 1 } },
      { sub: 'grace', connections: 1 },
    ])
    const ada2 = await connect(second, 'ada')
    expect(bySub((await join(ada2, 'comments:p', { data: { n: 2 } })).presence)).toEqual([
      { sub: 'ada', connections: 2, data: { n: 2 } },
      { sub: 'grace', connections: 1 },
    ])
    const reader = await connect(first, 'linus')
    expect(resultOf<SubscribeResult>(await reader.command('subscribe', { channel: 'comments:p' }))).not.toHaveProperty('presence')

    expect(resultOf(await ada2.command('unsubscribe', { channel: 'comments:p' }))).toEqual({})
    ada1.socket.terminate()
    expect(await changesOf(watcher, 'comments:p', 4)).toEqual([
      { action: 'join', member: { sub: 'ada', connections: 1, data: { n: 1 } } },
      { action: 'update', member: { sub: 'ada', connections: 2, data: { n: 2 } } },
      { action: 'update', member: { sub: 'ada', connections: 1, data: { n: 1 } } },
      { action: 'leave', member: { sub: 'ada', connections: 0 } },
    ])
    expect(changes(ada2, 'comments:p')).toEqual([])
    const late = await connect(first, 'ken')
    expect(bySub((await join(late, 'comments:p')).presence)).toEqual([
      { sub: 'grace', connections: 1 },
      { sub: 'ken', connections: 1 },
    ])
    // A ping answered after all that: nothing for a subscriber that did not join.
    expect((await reader.command('ping', {})).ok).toBe(true)
    expect(reader.frames.filter((frame) => frame.type === 'presence')).toEqual([])
  })

  it("stamps each message with its publisher and Redis' time on every replica, and a rewind replays the same stamps from Redis", async () => {
    const [first, second] = (await replicas(2)).replicas.map(({ server }) => server) as [Replica['server'], Replica['server']]
    const reader = await connect(second, 'grace')
    resultOf(await reader.command('subscribe', { channel: 'board:m' }))
    const ada = await connect(first, 'ada')
    resultOf(await ada.command('publish', { channel: 'board:m', event: 'move', data: { card: 1 }, key: 'k1' }))
    await first.publish('board:m', 'move', { card: 2 })
    await publishApi(second, { channel: 'board:m', event: 'move', data: { card: 3 } })
    // The same frame with a stamp of its own: a field of no command, so it is not read.
    ada.send({ id: 50, type: 'publish', channel: 'board:m', event: 'move', data: { card: 4 }, key: 'k2', meta: { publisher: 'grace', time: 1 } })
    resultOf(await ada.reply(50))
    const live = await reader.messagesOf('board:m', 4)
    expect(live.map(({ data, meta }) => [data, meta.publisher])).toEqual([
      [{ card: 1 }, 'ada'],
      [{ card: 2 }, null],
      [{ card: 3 }, null],
      [{ card: 4 }, 'ada'],
    ])
    const times = live.map(({ meta }) => meta.time)
    expect(times).toEqual([...times].sort((one, other) => one - other))
    expect(times[3]).toBeGreaterThan(1)

    const rewound = await connect(first, 'ken')
    const result = resultOf<SubscribeResult>(await rewound.command('subscribe', { channel: 'board:m', rewind: 3 }))
    expect(result).toEqual({ position: { epoch: live[0]!.pos.epoch, offset: 1 }, recovered: true })
    const withoutType = (messages: MessageFrame[]) => messages.map(({ pos, data, meta }) => ({ pos, data, meta }))
    expect(withoutType(await rewound.messagesOf('board:m', 3))).toEqual(withoutType(live.slice(1)))
  })

  it('takes the members of a replica that was killed out of presence once its liveness key expires, announced by a replica still alive', async () => {
    const { redisUrl, replicas: [survivor] } = await replicas(1)
    const doomed = runCli(['--port', '0', '--redis', redisUrl, '--api-key', API_KEY, '--presence-ttl', String(PRESENCE_TTL_MS)])
    const doomedUrl = { url: await listeningUrl(doomed) }
    // It listens at once and joins Redis on its own: presence needs Redis.
    await eventually(() => expect(doomed.stdout()).toContain('Redis broker: ok'), PATIENCE.timeout)
    const watcher = await connect(survivor!.server, 'grace')
    await join(watcher, 'board:k')
    const adaHere = await connect(survivor!.server, 'ada')
    await join(adaHere, 'board:k', { data: { on: 'survivor' } })
    const adaThere = await connect(doomedUrl, 'ada')
    await join(adaThere, 'board:k', { data: { on: 'doomed' } })
    const linus = await connect(doomedUrl, 'linus')
    await join(linus, 'board:k')
    await changesOf(watcher, 'board:k', 3)

    doomed.child.kill('SIGKILL')
    // Nothing from the killed process: the survivor finds its liveness key gone and announces.
    expect((await changesOf(watcher, 'board:k', 5)).slice(3).sort((one, other) => one.member.sub.localeCompare(other.member.sub))).toEqual([
      { action: 'update', member: { sub: 'ada', connections: 1, data: { on: 'survivor' } } },
      { action: 'leave', member: { sub: 'linus', connections: 0 } },
    ])
    const late = await connect(survivor!.server, 'ken')
    expect(bySub((await join(late, 'board:k')).presence)).toEqual([
      { sub: 'ada', connections: 1, data: { on: 'survivor' } },
      { sub: 'grace', connections: 1 },
      { sub: 'ken', connections: 1 },
    ])
  })
})
