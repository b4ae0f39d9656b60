import { isDeepStrictEqual } from 'node:util'
import type { PresenceFrame, PresenceMember } from '@lifeline/protocol'
import { EVERY_TRANSPORT, type ConformanceCase } from '../conformanceCase'
import type { CaseContext } from '../caseContext'
import { errorReply, httpError, okResult } from '../expectations'
import { brief, check, NotApplicable } from '../failure'
import { stillServes, subscribe } from '../steps'
import type { Connection } from '../transports/connection'
import { subscribeWith } from './rewind'

/** Members sorted by sub, for comparing snapshots whatever order a server lists them in. */
const sorted = (members: readonly PresenceMember[] | undefined) => [...(members ?? [])].sort((one, other) => (one.sub < other.sub ? -1 : 1))

/** Subscribes with presence and checks the snapshot is `expected` (members in any order). */
async function join(connection: Connection, channel: string, presence: { data?: unknown }, expected: (members: PresenceMember[]) => PresenceMember[], what: string): Promise<PresenceMember[]> {
  const result = await subscribeWith(connection, { channel, presence }, `subscribe to ${channel} with presence ${brief(presence)}`)
  const members = result.presence
  check(Array.isArray(members), `${connection.label}: the reply to a subscribe with presence carries the presence snapshot`, { expected: '{"position":…,"recovered":…,"presence":[…]}', received: result })
  const wanted = expected(members)
  check(isDeepStrictEqual(sorted(members), sorted(wanted)), `${connection.label}: ${what}`, { expected: brief(wanted), received: result })
  return members
}

/** Waits for the `index`-th presence frame of `channel` on `connection` and checks it is `action` with `member`. */
async function expectChange(connection: Connection, channel: string, index: number, action: PresenceFrame['action'], member: PresenceMember, what: string, timeoutMs?: number): Promise<void> {
  const frames = () => connection.log.frames.filter((frame): frame is PresenceFrame => frame.type === 'presence' && frame.channel === channel)
  await connection.log.wait(() => frames().length > index, `presence change ${index + 1} on ${channel} (${what})`, timeoutMs)
  const frame = frames()[index]!
  check(frame.action === action && isDeepStrictEqual(frame.member, member), `${connection.label}: ${what}`, { expected: brief({ type: 'presence', channel, action, member }), received: frames() })
}

/** Presence cases count members exactly: they need a channel nobody else is in. */
function freshChannel(ctx: CaseContext): string {
  if (!ctx.freshChannels) throw new NotApplicable('presence cases need a fresh channel each: put {unique} in config.channels.both')
  return ctx.channel('both')
}

export const presence: ConformanceCase = {
  name: 'presence',
  level: 'presence',
  title: "subscribe with presence: a snapshot in the reply, then join, update (connections, the latest connection's data) and leave (unsubscribe, connection end), to members only; data over 1 KiB is BAD_REQUEST",
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const channel = freshChannel(ctx)
    const a1 = await ctx.connect('a')
    const [self] = await join(a1, channel, { data: { n: 1 } }, (members) => [{ sub: members[0]?.sub ?? '(A)', connections: 1, data: { n: 1 } }], 'the first member sees only itself, with its data')
    const subA = self!.sub
    const b = await ctx.connect('b')
    const snapshot = await join(b, channel, {}, (members) => [{ sub: subA, connections: 1, data: { n: 1 } }, { sub: members.find((member) => member.sub !== subA)?.sub ?? '(B)', connections: 1 }], 'the second user sees A and itself (without data)')
    const subB = snapshot.find((member) => member.sub !== subA)!.sub
    check(subB !== subA, `${b.label}: users A and B are two members with different subs`, { received: snapshot })
    await expectChange(a1, channel, 0, 'join', { sub: subB, connections: 1 }, 'B joined')

    // A second connection of A: one member, two connections, the data of the latest.
    const a2 = await ctx.connect('a')
    await join(a2, channel, { data: { n: 2 } }, () => [{ sub: subA, connections: 2, data: { n: 2 } }, { sub: subB, connections: 1 }], "A's second connection sees A once, with 2 connections and its own data")
    await expectChange(a1, channel, 1, 'update', { sub: subA, connections: 2, data: { n: 2 } }, "A's second connection joined")
    await expectChange(b, channel, 0, 'update', { sub: subA, connections: 2, data: { n: 2 } }, "A's second connection joined")

    // Subscribed without presence: no snapshot, no changes.
    const plain = await ctx.connect('b')
    const result = await subscribe(plain, channel)
    check(!('presence' in result), `${plain.label}: a subscribe without presence gets no snapshot`, { received: result })
    // Refused as a reply, or over HTTP as the upstream POST's answer (then no reply follows).
    const id = plain.nextId()
    const other = ctx.channel('both')
    const tooBig = await plain.sendRaw(JSON.stringify({ id, type: 'subscribe', channel: other, presence: { data: 'x'.repeat(1100) } }), { id, type: 'subscribe', channel: other })
    const what = `${plain.label}: a subscribe with presence data of 1 102 bytes (over 1 024)`
    if (tooBig) httpError(tooBig, 'BAD_REQUEST', what)
    else errorReply(await plain.log.reply(id), 'BAD_REQUEST', what)

    okResult(await a2.command('unsubscribe', { channel }), `${a2.label}: unsubscribe`)
    await expectChange(b, channel, 1, 'update', { sub: subA, connections: 1, data: { n: 1 } }, "A's second connection left: the data is again that of A's remaining connection")
    okResult(await b.command('unsubscribe', { channel }), `${b.label}: unsubscribe`)
    await expectChange(a1, channel, 3, 'leave', { sub: subB, connections: 0 }, 'B left')

    // A connection that ends leaves: B joins again to watch A's last connection go.
    const watcher = await ctx.connect('b')
    await join(watcher, channel, {}, () => [{ sub: subA, connections: 1, data: { n: 1 } }, { sub: subB, connections: 1 }], 'B, back, sees A with its one connection')
    await a1.close()
    // A long-polling session ends once the server stops hearing from it: a heartbeat and a poll hold.
    const endMs = ctx.waitMs + 2 * a1.connectResult.heartbeatMs
    ctx.allow(endMs)
    await expectChange(watcher, channel, 0, 'leave', { sub: subA, connections: 0 }, "A's last connection ended", endMs)
    await stillServes(plain, 'the presence changes')
    const seen = plain.log.frames.filter((frame) => frame.type === 'presence')
    check(seen.length === 0, `${plain.label}: a subscription without presence gets no presence frames`, { received: seen })
  },
}

export const crossReplicaPresence: ConformanceCase = {
  name: 'cross-replica-presence',
  level: 'multi-replica',
  title: 'presence is one across replicas: members, connection counts, data and changes agree whichever replica each connection is on',
  transports: EVERY_TRANSPORT,
  async run(ctx) {
    const url2 = ctx.requireUrl2()
    const channel = freshChannel(ctx)
    const a1 = await ctx.connect('a')
    const [self] = await join(a1, channel, { data: { on: 1 } }, (members) => [{ sub: members[0]?.sub ?? '(A)', connections: 1, data: { on: 1 } }], 'A on replica 1 sees itself')
    const subA = self!.sub
    const b = await ctx.connect('b', { url: url2 })
    const snapshot = await join(b, channel, {}, (members) => [{ sub: subA, connections: 1, data: { on: 1 } }, { sub: members.find((member) => member.sub !== subA)?.sub ?? '(B)', connections: 1 }], 'B on replica 2 sees A, who is on replica 1')
    const subB = snapshot.find((member) => member.sub !== subA)!.sub
    await expectChange(a1, channel, 0, 'join', { sub: subB, connections: 1 }, 'B joined on replica 2')
    const a2 = await ctx.connect('a', { url: url2 })
    await join(a2, channel, { data: { on: 2 } }, () => [{ sub: subA, connections: 2, data: { on: 2 } }, { sub: subB, connections: 1 }], "A's second connection, on replica 2, counts with the first")
    await expectChange(a1, channel, 1, 'update', { sub: subA, connections: 2, data: { on: 2 } }, "A's second connection joined on replica 2")
    okResult(await a2.command('unsubscribe', { channel }), `${a2.label}: unsubscribe`)
    await expectChange(b, channel, 1, 'update', { sub: subA, connections: 1, data: { on: 1 } }, "A's connection on replica 2 left")
    okResult(await b.command('unsubscribe', { channel }), `${b.label}: unsubscribe`)
    await expectChange(a1, channel, 3, 'leave', { sub: subB, connections: 0 }, 'B left on replica 2')
  },
}
