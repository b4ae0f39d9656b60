import type { ErrorBody } from '@lifeline/protocol'
import type { Connection } from '../connection'
import type { ConnectionSnapshot } from '../connectionState'
import type { ConnectorParts } from '../connector'
import type { ResolvedOptions } from '../options'
import type { ConnectionDriver, ShareKit } from '../share'
import { createHub } from './hub'
import { openChannel, type StatsWire, type Wire } from './wire'

/** How the tabs of one share find each other: the lock that elects the leader, and the BroadcastChannel. */
export interface TabNetwork {
  /** The name of both: one per share key and server. */
  name: string
  locks: LockManager
  BroadcastChannel: typeof BroadcastChannel
}

const IDLE: ConnectionSnapshot = { status: 'idle', transport: undefined, attempt: 0, retryAt: undefined, error: undefined, diagnosis: undefined }

/**
 * One tab's side of a share. While started, the tab holds a lock of its own (so the leader notices
 * when it goes, crash included) and waits for the share's lock: whoever holds that leads, through
 * its hub. Every tab, the leader's included, reaches the hub through a link to each of the leader's
 * connections: a protocol connection over the BroadcastChannel, so the tab's channels and outbox
 * work as over a server connection, with their own positions. The tab shows the leader's connection
 * state. It leaves on `pagehide` and `freeze` (a leader hands over at once) and comes back on
 * `pageshow` and `resume`.
 */
export function tabDriver(options: ResolvedOptions, parts: ConnectorParts, kit: ShareKit, { name, locks, BroadcastChannel }: TabNetwork): ConnectionDriver {
  const { RealtimeError } = kit
  const { events, current, outbox } = parts
  const id = Math.random().toString(36).slice(2)
  const hub = createHub(options, parts, kit, name, id, locks, BroadcastChannel)
  let snapshot = IDLE
  /** The last announcement shown, as JSON: an unchanged state is not shown again. */
  let shown = ''
  let lastTransport: ConnectionSnapshot['transport']
  let figures: StatsWire | undefined
  /** While in the share: the abort that leaves it (closing its channel, releasing the locks held or asked for). */
  let member: AbortController | undefined
  /** The session of the leader's connection linked to (a server's session ids are unique), and the link to it with its transport's receiver. */
  let linked: string | undefined
  let link: { id: string; receive(frame: unknown): void } | undefined
  let links = 0
  /** Removes the page listeners `start()` added. */
  let listening = new AbortController()

  /** To the other tabs, while in the share. */
  let post: (message: Wire) => void = () => {}
  const revive = (body: ErrorBody | undefined) => body && new RealtimeError(body.code, body.message, body)

  function show(next: ConnectionSnapshot): void {
    const previous = snapshot
    snapshot = next
    events.emit(kit.kChange)
    if (next.status !== previous.status) events.emit('status', { status: next.status, prevStatus: previous.status })
    if (next.transport && next.transport !== lastTransport) {
      events.emit('transport', { transport: next.transport, prevTransport: lastTransport })
      lastTransport = next.transport
    }
  }

  /** Links to the leader's hub: current once the hub answers the handshake, made again if it drops. */
  function linkToLeader(): void {
    const linkId = `${id}.${++links}`
    // No link meanwhile: channels say `subscribing`, and `recovered` once the new link replays.
    const relink = () => link?.id === linkId && (current.set(undefined), linkToLeader())
    const connection: Connection = new kit.Connection('websocket', {
      ...options,
      ...parts,
      transport(context) {
        link = { id: linkId, receive: context.receive }
        // As JSON, as over the network: structured cloning throws on what JSON drops (a function in
        // a publish's data), which failed the publish and every flush of the queue behind it.
        const send = (frame: unknown) => post({ from: linkId, frame: JSON.parse(JSON.stringify(frame)) })
        // The handshake is the transport's to send, as the WebSocket transport does on `open`.
        send(context.connect)
        return { send, close() {} }
      },
      token: () => undefined,
      lost: relink,
    })
    connection.open(undefined).then(() => {
      current.set(connection)
      outbox.flush(connection)
    }, relink)
  }

  function receive(message: Wire): void {
    if ('leader' in message) {
      const { leader, session } = message
      figures = message.figures
      // A link per connection of the leader, made once it is connected: a new connection starts
      // without subscriptions, and each tab's channels subscribe to it from their own positions.
      const next = message.snapshot.status === 'connected' ? session : undefined
      if (next !== linked) {
        linked = next
        link = undefined
        current.set(undefined)
        if (next) linkToLeader()
      }
      const state = { ...message.snapshot, role: leader === id ? ('leader' as const) : ('follower' as const) }
      const json = JSON.stringify(state)
      if (json === shown) return
      shown = json
      const error = revive(state.error)
      // Stopped for good (signed out, too many attempts): what waits to be published fails, as in one
      // tab, before it is shown: a listener may connect again and publish, and that publish stays.
      if (state.status === 'disconnected') outbox.rejectAll(error ?? new RealtimeError('CLIENT_CLOSED'))
      show({ ...state, error })
    } else if ('links' in message) {
      if (link && message.links.includes(link.id)) link.receive(message.frame)
    } else if ('error' in message) events.emit('error', revive(message.error)!)
  }

  /** Takes part: holds this tab's own lock, then waits for the share's lock and asks who leads. */
  function join(): void {
    const { signal } = (member = new AbortController())
    post = openChannel(BroadcastChannel, name, signal, receive)
    // A lock is held until the tab leaves (at once if it left while the grant was on its way); a
    // request still waiting then is dropped.
    const hold = (lock: string, then: () => void) =>
      locks.request(lock, { signal }, () => signal.aborted || new Promise((release) => (then(), signal.addEventListener('abort', release)))).catch(() => {})
    hold(`${name}|${id}`, () => {
      hold(name, () => hub.lead(signal))
      post({ hello: 1 })
    })
  }

  /** Stops taking part: hands leadership over and drops the link; the channels keep their positions for the next. */
  function leave(): void {
    if (!member) return
    member.abort()
    member = linked = link = undefined
    shown = ''
    current.set(undefined)
  }

  return {
    get snapshot() {
      return snapshot
    },
    get started() {
      return snapshot.status !== 'idle' && snapshot.status !== 'disconnected'
    },
    reconnects: 0,
    get stats() {
      return figures
    },
    start() {
      // Connecting from now on, as one tab: a publish made next waits, instead of failing with the
      // error that stopped the leader's connection.
      show({ ...(member ? snapshot : IDLE), status: 'connecting', error: undefined })
      // Still in the share: the leader's connection stopped for good, and this tab wants it again.
      if (member) return post({ start: 1 })
      join()
      const { lifecycleTarget: target = globalThis } = options
      const listen = { signal: (listening = new AbortController()).signal }
      // Leaves on `pagehide` and `freeze` (a leader hands over at once); a page shown again from the
      // back/forward cache, or resumed, joins again.
      const onPage = ({ type }: Event) => (type === 'pagehide' || type === 'freeze' ? leave() : member || join())
      // `freeze` and `resume` are fired at the document, the others at the window.
      for (const on of [target, target && (globalThis as { document?: EventTarget }).document]) {
        for (const type of ['pagehide', 'freeze', 'pageshow', 'resume']) on?.addEventListener?.(type, onPage, listen)
      }
    },
    // Only `disconnect()` stops a tab: the leader's terminal errors reach it as the leader's state.
    stop() {
      listening.abort()
      leave()
      // Before the state is shown, as above.
      outbox.rejectAll(new RealtimeError('CLIENT_CLOSED'))
      show({ ...snapshot, status: 'disconnected', transport: undefined, retryAt: undefined, error: undefined, role: undefined })
    },
    backoff: hub.backoff,
  }
}
