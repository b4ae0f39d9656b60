import type { Command, MessageFrame, Position, PresenceFrame, PresenceRequest, ReplyFrame, SubscribeCommand, SubscribeResult, UnsubscribedFrame } from '@lifeline/protocol'
import type { Connection, Reply } from '../connection'
import type { ConnectorParts } from '../connector'
import type { RealtimeError } from '../errors'
import type { ResolvedOptions } from '../options'
import type { ShareKit } from '../share'
import { errorBody, openChannel, type Wire } from './wire'

/** One server subscription, shared by every link subscribed to its channel. */
interface Feed {
  /** Links that get its frames: each once its subscribe was answered. */
  links: string[]
  /**
   * The position of the last frame passed on to the links (at first the subscription's cursor): the
   * stream brings every message after it, from the subscription or from the replay of a newer one.
   */
  pos?: Position
  /**
   * While a server subscribe is on its way: the subscribes of other links, handled once it is
   * answered (its cursor may then cover them without another one).
   */
  queued?: [link: string, handle: () => void][]
  /** The presence the subscription joins with, once a tab asked for it. */
  presence?: PresenceRequest
}

export interface Hub {
  /** Leads until `signal` aborts: holds the connection and serves every tab's links. */
  lead(signal: AbortSignal): void
  backoff(attempt: number, error: RealtimeError | undefined): number
}

const noop = () => {}

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
  const feeds = new Map<string, Feed>()
  /** Tabs whose lock the leader waits for: it comes free when the tab leaves or crashes. */
  const watched = new Set<string>()
  const current = new kit.CurrentConnection()
  /** While leading; its abort ends the lead. */
  let signal: AbortSignal
  /** To every tab, while leading: the connector's last words as it stops are not heard. */
  let post: (message: Wire) => void = noop

  const connector = new kit.Connector(options, {
    ...parts,
    current,
    // Only what the tabs must hear: the state (on any change) and the `error` events.
    events: { emit: (type: unknown, error: RealtimeError) => (type === 'error' ? post({ error: errorBody(error) }) : type === kit.kChange && announce()) } as never,
    // Publishes wait in each tab's own outbox, which sends them again on its next link.
    outbox: { flush: noop, rejectAll: noop } as never,
    push: (_, frame) => route(frame),
    // The real connection's frames; each tab's client traces what crosses its own link.
    trace: (direction, frame) => options.logger?.(`leader ${direction}`, frame),
  })

  function announce(): void {
    const { snapshot, reconnects } = connector
    const connection = current.get()
    post({ leader: id, session: connection?.session, snapshot: { ...snapshot, error: snapshot.error && errorBody(snapshot.error) }, figures: { rttMs: connection?.rttMs, reconnects } })
  }

  // Subscriptions live and die with their connection.
  current.onChange(() => feeds.clear())

  /** A frame of the real connection for one channel: to every link on it. */
  function route(frame: MessageFrame | PresenceFrame | UnsubscribedFrame): void {
    const feed = feeds.get(frame.channel)
    if (!feed) return
    if (frame.type === 'message') feed.pos = frame.pos
    post({ links: feed.links, frame })
    // The server ended it: each tab's channel shows the error and subscribes again from its own position.
    if (frame.type === 'unsubscribed') feeds.delete(frame.channel)
  }

  function command(link: string, frame: Command): void {
    const tab = link.split('.')[0]!
    watch(tab)
    const reply: Reply = (error, result) => post({ links: [link], frame: { type: 'reply', id: frame.id, ok: !error, error: error && errorBody(error), result } as ReplyFrame })
    // A tab uses one link at a time: a new one replaces its others.
    if (frame.type === 'connect') leave((other) => other !== link && other.startsWith(`${tab}.`))
    if (frame.type === 'unsubscribe') leave((other) => other === link, frame.channel)
    // These three are answered here (one result fits them all: only the handshake reads it). A quiet
    // link's ping checks that the leader is there, so idle tabs add nothing to the connection.
    if (frame.type === 'connect' || frame.type === 'ping' || frame.type === 'unsubscribe') return reply(undefined, { session: link, heartbeatMs: 0 })
    // Without a connection, or once it closed, nothing is answered: the tabs drop their links when the
    // leader says so, and their publishes wait in their own queues for the next link, as in one tab.
    const on = current.get()
    if (on && frame.type === 'subscribe') subscribe(on, link, frame, reply)
    else if (on) {
      // Publishes, and whatever else the server answers.
      const { id, ...request } = frame
      on.request(request, (error, result) => on.closed || reply(error, result))
    }
  }

  function subscribe(on: Connection, link: string, frame: SubscribeCommand, reply: Reply): void {
    const { channel: name, since, rewind, presence } = frame
    let feed = feeds.get(name)
    if (feed?.queued) return void feed.queued.push([link, () => subscribe(on, link, frame, reply)])
    const pos = feed?.pos
    // At or after the last frame passed on (or no position at all): the stream brings the rest.
    if (pos && !rewind && !presence && (!since || (since.epoch === pos.epoch && since.offset >= pos.offset))) {
      feed!.links.push(link)
      return reply(undefined, { position: since ?? pos, recovered: true })
    }
    // Commands are answered in order: the subscribe below is handled once this is.
    if (feed) on.request({ type: 'unsubscribe', channel: name }, noop)
    else feeds.set(name, (feed = { links: [] }))
    const joined = feed
    joined.queued = []
    joined.presence ??= presence
    // A rewind on a live stream is a position: that many messages back from the stream's. Never later
    // than the stream: the links already on it must not miss what comes meanwhile.
    const from = older(since ?? (rewind && pos ? { epoch: pos.epoch, offset: Math.max(0, pos.offset - rewind) } : undefined), pos)
    // The server ignores `rewind` with `since`.
    on.request({ type: 'subscribe', channel: name, since: from, rewind, presence: joined.presence }, (error, result) => {
      // A closed connection took its subscriptions along; the tabs subscribe again on their next link.
      if (on.closed) return
      const queued = joined.queued!
      joined.queued = undefined
      if (error) {
        // The server kept a subscription whose unsubscribe it refused for now (RATE_LIMITED): end it,
        // or every retry of the tabs would be refused the same way.
        if (error.code === 'ALREADY_SUBSCRIBED') on.request({ type: 'unsubscribe', channel: name }, noop)
        reply(error)
        // The channel has no server subscription now, and its links hear so.
        route({ type: 'unsubscribed', channel: name, error: errorBody(error) })
      } else {
        const subscribed = result as SubscribeResult
        joined.pos = subscribed.position
        joined.links.push(link)
        reply(undefined, since && subscribed.recovered ? { ...subscribed, position: since } : subscribed)
      }
      for (const [, handle] of queued) handle()
    })
  }

  /** Takes the links that `match` off the channel `only` (or every channel); a feed nobody needs is unsubscribed. */
  function leave(match: (link: string) => boolean, only?: string): void {
    for (const [name, feed] of feeds) {
      if (only && name !== only) continue
      feed.links = feed.links.filter((link) => !match(link))
      feed.queued = feed.queued?.filter(([link]) => !match(link))
      if (feed.links.length || feed.queued) continue
      feeds.delete(name)
      current.get()?.request({ type: 'unsubscribe', channel: name }, noop)
    }
  }

  /** Each tab holds a lock of its own while it takes part; the lock comes free when it leaves or crashes. */
  function watch(tab: string): void {
    if (watched.has(tab)) return
    watched.add(tab)
    locks
      .request(`${name}|${tab}`, { signal }, () => {
        watched.delete(tab)
        leave((link) => link.startsWith(`${tab}.`))
      })
      .catch(noop)
  }

  return {
    lead(leading) {
      signal = leading
      post = openChannel(Channel, name, signal, (data) => {
        if ('hello' in data) announce()
        else if ('start' in data) connector.started || connector.start()
        else if ('from' in data) command(data.from, data.frame)
      })
      // Gone without a word: the next leader's announcement moves every tab over.
      signal.addEventListener('abort', () => {
        watched.clear()
        connector.stop(undefined)
      })
      connector.start()
    },
    backoff: (attempt, error) => connector.backoff(attempt, error),
  }
}
