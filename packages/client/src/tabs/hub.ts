import mitt from 'mitt'
import type { Command, MessageFrame, PresenceFrame, PresenceRequest, Position, SubscribeResult, UnsubscribedFrame } from '@lifeline/protocol'
import type { Connection, Reply } from '../connection'
import type { ClientEmitter, ConnectorParts } from '../connector'
import type { RealtimeError } from '../errors'
import type { ResolvedOptions } from '../options'
import type { ShareKit } from '../share'
import { errorBody, type Wire } from './wire'

/** One server subscription, shared by every link subscribed to its channel. */
interface Feed {
  /** Links that get its frames: each once its subscribe was answered. */
  live: string[]
  /** Tabs that asked for no history while the first server subscribe was on its way: its reply answers them. */
  waiting: [link: string, reply: Reply][]
  /** Server subscribes made, and those on their way; the last one made is the subscription. */
  sent: number
  pending: number
  /**
   * The position of the last frame passed on to the links (at first the subscription's cursor): the
   * stream brings every message after it, from the subscription or from the replay of a newer one.
   */
  pos: Position | undefined
  /** The presence the subscription joins with, once a tab asked for it. */
  presence: PresenceRequest | undefined
}

export interface Hub {
  /** Leads: holds the connection and serves every tab's links until `stop()`. */
  lead(): void
  stop(): void
  backoff(attempt: number, error: RealtimeError | undefined): number
}

/** The older of two positions (`undefined`, "from now on", is the newest). */
const older = (a: Position | undefined, b: Position | undefined) => (a && b && b.offset < a.offset) || !a ? b : a

/**
 * The leader's side of a share: the one-tab connector (with the leader's `getToken`), and one server
 * subscription per channel for every tab. Tabs link to it like clients to a server: their channels
 * subscribe with their own `since`, their publishes are forwarded and answered. A subscribe the
 * live stream covers is answered at once; any other (a position the stream has passed, a rewind,
 * presence) makes the server subscription again, from the older of that position and the stream's:
 * the replay reaches every tab on the channel, and each drops by position what it has. A new
 * connection has no subscriptions: the tabs link to it anew and subscribe from their own positions.
 */
export function createHub(options: ResolvedOptions, parts: ConnectorParts, kit: ShareKit, name: string, id: string, locks: LockManager, Channel: typeof BroadcastChannel): Hub {
  const events: ClientEmitter = mitt()
  const current = new kit.CurrentConnection()
  const feeds = new Map<string, Feed>()
  let watched = new Set<string>()
  let connection: Connection | undefined
  let channel: BroadcastChannel | undefined
  let abort = new AbortController()
  const noop = () => {}

  const connector = new kit.Connector(options, {
    ...parts,
    events,
    current,
    // Publishes wait in each tab's own outbox, which sends them again on its next link.
    outbox: { flush: noop, rejectAll: noop } as never,
    push: (_, frame) => route(frame),
    // The real connection's frames; each tab's client traces what crosses its own link.
    trace: (direction, frame) => options.logger?.(`leader ${direction}`, frame),
  })
  const post = (message: Wire) => channel?.postMessage(message)
  const announce = () => {
    const { snapshot, reconnects } = connector
    post({ leader: id, session: connection?.session, snapshot: { ...snapshot, error: snapshot.error && errorBody(snapshot.error) }, figures: { rttMs: connection?.rttMs, reconnects } })
  }
  const answer =
    (link: string, id: number): Reply =>
    (error, result) =>
      post({ links: [link], frame: error ? { type: 'reply', id, ok: false, error: errorBody(error) } : { type: 'reply', id, ok: true, result: result! } })

  events.on(kit.kChange, announce)
  events.on('error', (error) => post({ error: errorBody(error) }))
  // Subscriptions live and die with their connection.
  current.onChange((next) => {
    connection = next
    feeds.clear()
  })

  /** A frame of the real connection for one channel: to every link on it. */
  function route(frame: MessageFrame | PresenceFrame | UnsubscribedFrame): void {
    const feed = feeds.get(frame.channel)
    if (!feed) return
    if (frame.type === 'message') feed.pos = frame.pos
    if (feed.live.length) post({ links: feed.live, frame })
    // The server ended it: each tab's channel shows the error and subscribes again from its own position.
    if (frame.type === 'unsubscribed') feeds.delete(frame.channel)
  }

  function command(link: string, frame: Command): void {
    const tab = link.split('.')[0]!
    watch(tab)
    const reply = answer(link, frame.id)
    if (frame.type === 'connect') {
      // A tab uses one link at a time: a new one replaces its others.
      leave((other) => other.startsWith(`${tab}.`) && other !== link)
      return reply(undefined, { session: link, heartbeatMs: 0 })
    }
    // A quiet link's ping checks that the leader is there: answered here, not by the server, so
    // idle tabs add nothing to the connection.
    if (frame.type === 'ping') return reply(undefined, {})
    if (frame.type === 'unsubscribe') {
      reply(undefined, {})
      return leave((other) => other === link, frame.channel)
    }
    // Without a connection, or once it closed, nothing is answered: the tabs drop their links when the
    // leader says so, and their publishes wait in their own queues for the next link, as in one tab.
    const on = connection
    if (!on) return
    if (frame.type !== 'subscribe') {
      // Publishes, and whatever else the server answers.
      const { id, ...request } = frame
      return on.request(request, (error, result) => on.closed || reply(error, result))
    }
    const { channel: name, since, rewind, presence } = frame
    let feed = feeds.get(name)
    const pos = feed?.pos
    if (feed && !rewind && !presence) {
      // At or after the last frame passed on (or no position at all): the stream brings the rest.
      if (pos && (!since || (since.epoch === pos.epoch && since.offset >= pos.offset))) {
        feed.live.push(link)
        return reply(undefined, { position: since ?? pos, recovered: true })
      }
      if (!pos && !since) return void feed.waiting.push([link, reply])
    }
    // Commands are answered in order: the subscribe below is handled once this is.
    if (feed) on.request({ type: 'unsubscribe', channel: name }, noop)
    else feeds.set(name, (feed = { live: [], waiting: [], sent: 0, pending: 0, pos: undefined, presence }))
    // A rewind on a live stream is a position: that many messages back from the stream's.
    const wanted = since ?? (rewind && pos ? { epoch: pos.epoch, offset: Math.max(0, pos.offset - rewind) } : undefined)
    // Never later than the stream: the links already on it must not miss what comes meanwhile.
    const from = older(wanted, pos)
    const made = ++feed.sent
    const joined = feed
    joined.pending += 1
    joined.presence ??= presence
    on.request({ type: 'subscribe', channel: name, since: from, rewind: from ? undefined : rewind, presence: joined.presence }, (error, result) => {
      joined.pending -= 1
      if (on.closed) return
      const last = made === joined.sent
      const waiting = last ? joined.waiting.splice(0) : []
      if (error) {
        reply(error)
        for (const [, answer] of waiting) answer(error)
        // The last subscribe made failed: the channel has no server subscription, and its links hear so.
        return last && route({ type: 'unsubscribed', channel: name, error: errorBody(error) })
      }
      const subscribed = result as SubscribeResult
      if (last) joined.pos = subscribed.position
      joined.live.push(link)
      reply(undefined, since && subscribed.recovered ? { ...subscribed, position: since } : subscribed)
      for (const [other, answer] of waiting) {
        joined.live.push(other)
        answer(undefined, { position: subscribed.position, recovered: true })
      }
    })
  }

  /** Takes the links that `match` off the channel `only` (or every channel); a feed nobody needs is unsubscribed. */
  function leave(match: (link: string) => boolean, only?: string): void {
    for (const [name, feed] of feeds) {
      if (only !== undefined && name !== only) continue
      feed.live = feed.live.filter((link) => !match(link))
      feed.waiting = feed.waiting.filter(([link]) => !match(link))
      if (feed.live.length || feed.pending) continue
      feeds.delete(name)
      connection?.request({ type: 'unsubscribe', channel: name }, noop)
    }
  }

  /** Each tab holds a lock of its own while it takes part; the lock comes free when it leaves or crashes. */
  function watch(tab: string): void {
    if (watched.has(tab)) return
    watched.add(tab)
    locks
      .request(`${name}|${tab}`, { signal: abort.signal }, () => {
        watched.delete(tab)
        leave((link) => link.startsWith(`${tab}.`))
      })
      .catch(noop)
  }

  return {
    lead() {
      channel = new Channel(name)
      channel.onmessage = ({ data }: MessageEvent<Wire>) => {
        if ('hello' in data) announce()
        else if ('start' in data) connector.started || connector.start()
        else if ('to' in data && data.to === id) command(data.from, data.frame)
      }
      if (connector.started) announce()
      else connector.start()
    },
    stop() {
      // Gone without a word: the next leader's announcement moves every tab over.
      channel?.close()
      channel = undefined
      abort.abort()
      abort = new AbortController()
      watched = new Set()
      connector.stop(undefined)
    },
    backoff: (attempt, error) => connector.backoff(attempt, error),
  }
}
