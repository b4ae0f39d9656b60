import type { ErrorBody, Position, SubscribeCommand } from '@lifeline/protocol'
import type { Claims } from './auth'
import type { PresenceChange, PresenceSnapshot, Publication } from './broker'
import type { Answer, Reply } from './reply'
import { fail } from './reply'
import type { Session } from './session'

/** One subscription of a session. */
export interface Subscription {
  /** Last position delivered to this client. */
  last?: Position
  /** Live publications held back while history is read; `undefined` once live (the reply went out). */
  pending?: Publication[]
  unsubscribe?: () => void
  /** Why the server ended it before the subscribe was answered: that answer carries it. */
  ended?: ErrorBody
  /** Set when the subscription joined the channel's presence. */
  presence?: {
    /** Changes held back until the snapshot is sent; `undefined` once it was. */
    queue?: PresenceChange[]
    /** The version of the last change the client has (first the snapshot's): older ones are in it already. */
    version: number
  }
}

/**
 * Where a subscription without recovery starts: the channel's position, or just before the first
 * live publication that arrived while history was being read, so that one is delivered too.
 */
function startOf(position: Position, pending: Publication[]): Position {
  const first = pending[0]?.pos
  return first && first.epoch === position.epoch && first.offset <= position.offset ? { epoch: first.epoch, offset: first.offset - 1 } : position
}

/**
 * The `subscribe` command: checks, then live first, history second, merged by offset. It answers
 * through `answer` before the replay, so the reply precedes every message of the subscription.
 */
export async function subscribeCommand(session: Session, { channel, since, rewind, presence }: SubscribeCommand, answer: Answer): Promise<Reply | undefined> {
  const { context } = session
  const { broker, options, authorize } = context
  if (session.subscriptions.has(channel)) return fail('ALREADY_SUBSCRIBED', `Already subscribed to ${channel}`)
  if (session.subscriptions.size >= options.maxSubscriptions) return fail('TOO_MANY_SUBSCRIPTIONS', `At most ${options.maxSubscriptions} subscriptions per connection`)
  if (!authorize(session.claims!, channel, 'subscribe')) return fail('FORBIDDEN', `Not allowed to subscribe to ${channel}`)
  if (presence && !authorize(session.claims!, channel, 'presence')) return fail('FORBIDDEN', `Not allowed to see the presence of ${channel}`)
  // Checked like a payload, before anything is joined: refused with BAD_REQUEST.
  const data = presence && 'data' in presence ? { data: context.presenceData(presence.data) } : {}
  // Live first, history second, then merge by offset: nothing published in between is lost. The
  // same for presence: changes heard while the snapshot is read are sorted out by version.
  // Every field from the start: fields added later would live in a separate property array.
  const subscription: Subscription = { pending: [], last: undefined, unsubscribe: undefined, ended: undefined, presence: presence ? { queue: [], version: 0 } : undefined }
  session.subscriptions.set(channel, subscription)
  try {
    const listen = listenersOf(session, channel, subscription)
    const stop = await broker.subscribe(channel, listen.publication, listen.ended, presence ? listen.presence : undefined)
    subscription.unsubscribe = stop
    let snapshot: PresenceSnapshot | undefined
    if (presence) {
      // Leaving is part of unsubscribing from here on, so a join that fails or is overtaken by the
      // end of the session still leaves (the broker retries a leave it cannot tell at once).
      subscription.unsubscribe = () => {
        stop()
        broker.leavePresence(channel, session.id)
      }
      await broker.joinPresence({ channel, connection: session.id, sub: session.claims!.sub, ...data })
      snapshot = await broker.presence(channel)
    }
    // `rewind` is for a first subscription: with `since` the client resumes after what it has.
    const history = await broker.history(channel, since, since ? undefined : rewind)
    if (session.status === 'closed' || subscription.ended) {
      subscription.unsubscribe()
      return subscription.ended && { ok: false, error: subscription.ended }
    }
    const pending = subscription.pending ?? []
    subscription.pending = undefined
    // Recovered: the replay follows `since`. An epoch the channel no longer has, with the current
    // one held whole: that is replayed from its start; a rewind from its first message. Otherwise
    // live from the latest position.
    subscription.last = since && history.recovered ? since : (history.replayFrom ?? startOf(history.position, pending))
    answer({ ok: true, result: { position: subscription.last, recovered: history.recovered, ...(snapshot ? { presence: snapshot.members } : {}) } })
    for (const publication of [...history.publications, ...pending]) session.deliver(channel, publication)
    if (snapshot && subscription.presence) {
      const queued = subscription.presence.queue ?? []
      subscription.presence = { version: snapshot.version }
      for (const change of queued) presenceChanged(session, channel, subscription, change)
    }
    return undefined
  } catch (error) {
    if (session.subscriptions.get(channel) === subscription) session.subscriptions.delete(channel)
    subscription.unsubscribe?.()
    throw error
  }
}

/**
 * The broker's listeners for one subscription, made outside {@link subscribeCommand}: the broker
 * keeps them as long as the subscription lives, and closures made in there would keep the whole
 * scope of the command (its contexts) alive with them.
 */
function listenersOf(session: Session, channel: string, subscription: Subscription) {
  return {
    publication: (publication: Publication) => session.deliver(channel, publication),
    ended: (error: ErrorBody) => endSubscription(session, channel, subscription, error),
    presence: (change: PresenceChange) => presenceChanged(session, channel, subscription, change),
  }
}

/** A change of the presence of `channel`: held back until the snapshot went out, then sent unless the snapshot has it. */
export function presenceChanged(session: Session, channel: string, subscription: Subscription, { action, member, version }: PresenceChange): void {
  const presence = subscription.presence
  if (session.subscriptions.get(channel) !== subscription || !presence) return
  if (presence.queue) return void presence.queue.push({ action, member, version })
  if (version <= presence.version) return
  presence.version = version
  session.send({ type: 'presence', channel, action, member })
}

/** Sends a publication to the subscription of `channel`, or holds it while history is read; never twice. */
export function deliver(session: Session, channel: string, publication: Publication): void {
  const subscription = session.subscriptions.get(channel)
  if (!subscription) return
  if (subscription.pending) {
    subscription.pending.push(publication)
    return
  }
  const last = subscription.last
  // A replica that hears a message twice, or a replay racing the live feed, must not repeat it.
  if (last && last.epoch === publication.pos.epoch && publication.pos.offset <= last.offset) return
  let message
  try {
    message = session.context.frames.of(channel, publication)
  } catch (error) {
    // Payloads are checked at the door, so only a broker with foreign data gets here; skipping the
    // message would be a silent loss, so the subscription ends and the client hears why.
    session.context.log?.(`message ${publication.pos.epoch}:${publication.pos.offset} of ${channel} cannot be encoded`, error)
    endSubscription(session, channel, subscription, { code: 'INTERNAL', message: `A message of ${channel} could not be sent; subscribe again` })
    return
  }
  subscription.last = publication.pos
  session.send(message.frame, message.text)
}

/**
 * Ends `subscription` from the server's side (the broker lost its fan-out, a message could not be
 * sent, the user lost the right): an `unsubscribed` frame tells the client, which subscribes again
 * from its position, or, before the subscribe was answered, that answer carries the error.
 */
export function endSubscription(session: Session, channel: string, subscription: Subscription, error: ErrorBody): void {
  if (session.subscriptions.get(channel) !== subscription) return
  session.subscriptions.delete(channel)
  subscription.unsubscribe?.()
  if (subscription.pending) {
    subscription.ended = error
    return
  }
  session.context.metrics.error(error.code)
  session.send({ type: 'unsubscribed', channel, error })
}

/** The `unsubscribe` command. */
export function unsubscribeCommand(session: Session, channel: string): Reply {
  const subscription = session.subscriptions.get(channel)
  if (!subscription) return fail('NOT_SUBSCRIBED', `Not subscribed to ${channel}`)
  session.subscriptions.delete(channel)
  subscription.unsubscribe?.()
  return { ok: true, result: {} }
}

/** Ends, telling the client, each subscription that `claims` (a refreshed token) no longer allow. */
export function endDisallowed(session: Session, claims: Claims): void {
  for (const [channel, subscription] of [...session.subscriptions]) {
    const allowed = session.context.authorize(claims, channel, subscription.presence ? 'presence' : 'subscribe')
    if (!allowed) endSubscription(session, channel, subscription, { code: 'FORBIDDEN', message: `The refreshed token may not subscribe to ${channel}${subscription.presence ? ' with presence' : ''}` })
  }
}
