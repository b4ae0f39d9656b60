import type { SubscribeResult } from '@lifeline/protocol'
import { errorOf, resultOf, WsClient } from '@lifeline/testkit/raw'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CHANNEL_RULES, type ChannelRule } from '../../src/index'
import { eventually, mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

/** Anyone may read `team:{id}`; only its members (the `team` role) may see and join who is there. */
const TEAM: ChannelRule = { pattern: 'team:{id}', subscribe: () => true, presence: (claims) => claims.roles.includes('team') }

describe('presence with the in-memory broker', () => {
  it('follows the channel rules: nobody on the leaderboard, the roles of the dashboard, a rule of its own', async () => {
    const server = await startServer({ channelRules: [TEAM, ...DEFAULT_CHANNEL_RULES] })
    const mentor = await WsClient.connect(server, await mintToken('ada', { roles: ['mentor', 'team'] }))
    const student = await WsClient.connect(server, await mintToken('ken'))
    expect(errorOf(await mentor.command('subscribe', { channel: 'leaderboard', presence: {} }))).toBe('FORBIDDEN')
    expect(resultOf<SubscribeResult>(await mentor.command('subscribe', { channel: 'leaderboard' }))).not.toHaveProperty('presence')
    expect(resultOf<SubscribeResult>(await mentor.command('subscribe', { channel: 'dashboard', presence: {} })).presence).toEqual([{ sub: 'ada', connections: 1 }])
    expect(errorOf(await student.command('subscribe', { channel: 'dashboard', presence: {} }))).toBe('FORBIDDEN')
    expect(errorOf(await student.command('subscribe', { channel: 'team:1', presence: {} }))).toBe('FORBIDDEN')
    expect(resultOf<SubscribeResult>(await student.command('subscribe', { channel: 'team:1' })).position.offset).toBe(0)
    expect(resultOf<SubscribeResult>(await mentor.command('subscribe', { channel: 'team:1', presence: { data: 'here' } })).presence).toEqual([{ sub: 'ada', connections: 1, data: 'here' }])
  })

  it('refuses presence data over 1 KiB, nested too deep or not well-formed, and joins nothing', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    let deep: unknown = 1
    for (let level = 0; level < 40; level++) deep = [deep]
    for (const data of ['x'.repeat(1100), deep]) expect(errorOf(await client.command('subscribe', { channel: 'board:1', presence: { data } }))).toBe('BAD_REQUEST')
    client.send(`{"id":90,"type":"subscribe","channel":"board:1","presence":{"data":"\\ud800"}}`)
    expect(errorOf(await client.reply(90))).toBe('BAD_REQUEST')
    const other = await WsClient.connect(server, await mintToken('grace'))
    expect(resultOf<SubscribeResult>(await other.command('subscribe', { channel: 'board:1', presence: {} })).presence).toEqual([{ sub: 'grace', connections: 1 }])
  })

  it('ends a subscription with presence when a refreshed token may no longer see presence, and leaves the other alone', async () => {
    const server = await startServer({ channelRules: [TEAM, ...DEFAULT_CHANNEL_RULES] })
    const client = await WsClient.connect(server, await mintToken('ada', { roles: ['team'] }))
    resultOf(await client.command('subscribe', { channel: 'team:1', presence: {} }))
    resultOf(await client.command('subscribe', { channel: 'team:2' }))
    const watcher = await WsClient.connect(server, await mintToken('grace', { roles: ['team'] }))
    resultOf(await watcher.command('subscribe', { channel: 'team:1', presence: {} }))
    resultOf(await client.command('refresh', { token: await mintToken('ada') }))
    const ended = await client.frame((frame) => frame.type === 'unsubscribed', 'unsubscribed')
    expect(ended).toMatchObject({ type: 'unsubscribed', channel: 'team:1', error: { code: 'FORBIDDEN' } })
    await eventually(() => expect(watcher.frames.filter((frame) => frame.type === 'presence')).toEqual([{ type: 'presence', channel: 'team:1', action: 'leave', member: { sub: 'ada', connections: 0 } }]))
    // Still subscribed to team:2: subscribing again is refused as a duplicate.
    expect(errorOf(await client.command('subscribe', { channel: 'team:2' }))).toBe('ALREADY_SUBSCRIBED')
  })

  it('takes a connection out of presence when it closes, and forgets a channel nobody is in', async () => {
    const server = await startServer()
    const watcher = await WsClient.connect(server, await mintToken('grace'))
    resultOf(await watcher.command('subscribe', { channel: 'comments:1', presence: {} }))
    const leaving = await WsClient.connect(server, await mintToken('ada'))
    resultOf(await leaving.command('subscribe', { channel: 'comments:1', presence: { data: { name: 'Ada' } } }))
    leaving.socket.close()
    await eventually(() =>
      expect(watcher.frames.filter((frame) => frame.type === 'presence').map((frame) => frame.type === 'presence' && frame.action)).toEqual(['join', 'leave']),
    )
    resultOf(await watcher.command('unsubscribe', { channel: 'comments:1' }))
    const back = await WsClient.connect(server, await mintToken('ken'))
    expect(resultOf<SubscribeResult>(await back.command('subscribe', { channel: 'comments:1', presence: {} })).presence).toEqual([{ sub: 'ken', connections: 1 }])
  })
})
