import type { Position } from '@lifeline/protocol'
import {
  publisherOf,
  type Broker,
  type BrokerHealth,
  type HistoryResult,
  type PresenceChange,
  type PresenceEntry,
  type PresenceSnapshot,
  type Publication,
  type PublishInput,
  type PublishOutcome,
  type PollEnvelope,
  type PollVerdict,
  type SubscriptionEnded,
  type UpstreamEnvelope,
  type UpstreamVerdict,
} from '../engine/broker'
import { ListenerSet } from '../engine/listenerSet'
import { HandlerRegistry } from '../engine/handlerRegistry'
import { DEFAULT_HISTORY_OPTIONS, idempotencyScope, type HistoryOptions } from '../engine/historyOptions'
import { stripUndefined } from '../engine/stripUndefined'
import { FANOUT_LOST, type FanoutMessage, type StoredMessage } from './fanoutMessage'
import { pickHistory, REDIS_BROKER_DEFAULTS, type RedisBrokerOptions } from './redisBrokerOptions'
import { randomId } from '../engine/randomId'
import { unavailable } from '../engine/refusedError'
import { redisKeys, type RedisKeys } from './keys'
import { RedisConnections } from './redisConnections'
import { definePresenceScripts, type PresenceScriptCommands } from './presenceScripts'
import { RedisPresence } from './redisPresence'
import { defineScripts, type ScriptCommands } from './scripts'
import { pollRouter } from './pollRouter'
import type { SessionRouter } from './sessionRouter'
import { upstreamRouter } from './upstreamRouter'

// The `@lifeline/mock-server/redis` entry is this file: its options type is exported with it.
export type { RedisBrokerOptions }

interface LocalChannel {
  listeners: ListenerSet<Publication>
  /** The presence listeners of the subscribers that joined presence. */
  watchers: ListenerSet<PresenceChange>
  /** Told when the broker ends the subscription (the fan-out connection dropped). */
  ended: Map<(publication: Publication) => void, SubscriptionEnded | undefined>
  /** Settles once the fan-out SUBSCRIBE is in effect; rejects when it could not be made. */
  subscribed: Promise<void>
}

/**
 * The broker for several replicas: positions and history in Redis (a stream per channel, appended
 * by a Lua script), fan-out by pub/sub, SSE upstream routed through Redis, idempotency keys,
 * single-use claims and SSE ticket grants shared by every replica.
 *
 * Every publication reaches this replica's sockets through Redis pub/sub, including its own: one
 * path, so nothing is delivered twice, every replica sees a channel in offset order, and other
 * replicas never wait for a local send loop.
 *
 * It acknowledges only what Redis stored and fanned out. Until both connections are up (`ready()`),
 * and whenever one drops, it is degraded: publishes, subscribes, history reads and ticket grants
 * reject with `RefusedError('UNAVAILABLE')`, so senders retry with their idempotency key instead of
 * being told that a message nobody else will see was published. When the pub/sub connection drops,
 * every local subscription ends (`ended`): pub/sub does not resend what it missed, so the clients
 * subscribe again from their positions once Redis is back and get the rest from the history in Redis,
 * or, if Redis came back empty, one gap and the new epoch from its start.
 *
 * @example
 * const broker = new RedisBroker({ url: process.env.REDIS_URL })
 * await broker.ready()
 * const server = await createServer({ broker })
 * // …
 * await server.close()
 * await broker.close()
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/scaling.md
 */
export class RedisBroker implements Broker {
  readonly #history: Required<HistoryOptions>
  readonly #keys: RedisKeys
  readonly #redis: RedisConnections
  readonly #commands: RedisConnections['commands'] & ScriptCommands & PresenceScriptCommands
  readonly #router: SessionRouter<UpstreamEnvelope, UpstreamVerdict>
  readonly #replica = randomId('r_', 8)
  readonly #channels = new Map<string, LocalChannel>()
  readonly #sessions = new HandlerRegistry<(envelope: UpstreamEnvelope) => UpstreamVerdict>()
  readonly #pollers = new HandlerRegistry<(envelope: PollEnvelope) => Promise<PollVerdict>>()
  readonly #polls: SessionRouter<PollEnvelope, PollVerdict>
  readonly #routeTimeoutMs: number
  readonly #presence: RedisPresence
  readonly #log: (message: string, error: unknown) => void
  #closed = false

  constructor(options: RedisBrokerOptions = {}) {
    const defined = stripUndefined(options)
    const { url, keyPrefix, routeTimeoutMs, commandTimeoutMs, reconnectMaxDelayMs, presenceTtlMs } = { ...REDIS_BROKER_DEFAULTS, ...defined }
    this.#history = { ...DEFAULT_HISTORY_OPTIONS, ...pickHistory(defined) }
    for (const [name, value] of Object.entries({ ...this.#history, routeTimeoutMs, commandTimeoutMs, reconnectMaxDelayMs, presenceTtlMs })) {
      if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`RedisBroker option "${name}" must be a positive integer, got ${String(value)}`)
    }
    this.#keys = redisKeys(keyPrefix)
    this.#log = options.log ?? ((message, error) => console.error(`[lifeline] ${message}`, error))
    this.#redis = new RedisConnections({
      url,
      redisOptions: options.redisOptions,
      commandTimeoutMs,
      reconnectMaxDelayMs,
      subscriptions: () => [
        this.#keys.upstream,
        this.#keys.upstreamReplies(this.#replica),
        this.#keys.polls,
        this.#keys.pollReplies(this.#replica),
        ...[...this.#channels.keys()].map(this.#keys.fanout),
      ],
      onMessage: (channel, text) => this.#receive(channel, text),
      onSubscriberLost: () => this.#endAll(),
      log: this.#log,
    })
    this.#commands = definePresenceScripts(defineScripts(this.#redis.commands))
    this.#presence = new RedisPresence({
      replica: this.#replica,
      keys: this.#keys,
      commands: this.#commands,
      ttlMs: presenceTtlMs,
      ready: () => this.#redis.health().status === 'ok',
      log: this.#log,
    })
    // Listed among the living as soon as Redis is there, not only at the first presence join.
    this.#redis.onHealthChange((health) => void (health.status === 'ok' && this.#presence.heartbeat()))
    this.#router = upstreamRouter({
      replica: this.#replica,
      keys: this.#keys,
      publish: (channel, message) => this.#commands.publish(channel, message),
      localHandler: (session) => this.#sessions.get(session),
      log: this.#log,
    })
    this.#routeTimeoutMs = routeTimeoutMs
    this.#polls = pollRouter({
      replica: this.#replica,
      keys: this.#keys,
      publish: (channel, message) => this.#commands.publish(channel, message),
      localHandler: (session) => this.#pollers.get(session),
      log: this.#log,
    })
  }

  /** Resolves once both Redis connections are up and subscribed (health `ok`). */
  ready(): Promise<void> {
    return this.#redis.ready()
  }

  async publish(input: PublishInput): Promise<PublishOutcome> {
    this.#assertReady('publish')
    const { channel, event, data, key } = input
    const keys = [this.#keys.meta(channel), this.#keys.log(channel), ...(key === undefined ? [] : [this.#keys.idempotency(idempotencyScope(input))])]
    const message: StoredMessage = { event, data, publisher: publisherOf(input.publisher) }
    const { historySize, historyTtlMs, idempotencyWindowMs } = this.#history
    let reply: Awaited<ReturnType<ScriptCommands['lifelinePublish']>>
    try {
      reply = await this.#commands.lifelinePublish(
        keys.length,
        ...keys,
        randomId('', 4),
        JSON.stringify(message),
        historySize,
        historyTtlMs,
        idempotencyWindowMs,
        this.#keys.fanout(channel),
      )
    } catch (error) {
      // Stored or not, nobody can say: a retry with the same key settles it either way.
      this.#log('Redis publish failed', error)
      throw unavailable('Redis did not confirm the publish; retry with the same idempotency key')
    }
    const [epoch, offset, duplicate] = reply
    return { position: { epoch, offset }, duplicate: duplicate === 1 }
  }

  async subscribe(channel: string, listener: (publication: Publication) => void, ended?: SubscriptionEnded, presence?: (change: PresenceChange) => void): Promise<() => void> {
    this.#assertReady('subscribe')
    let local = this.#channels.get(channel)
    if (!local) {
      local = { listeners: new ListenerSet(), watchers: new ListenerSet(), ended: new Map(), subscribed: this.#redis.subscribe(this.#keys.fanout(channel)) }
      // Every listener that waits on it hears of a failure; this one is only there for the unhandled case.
      local.subscribed.catch(() => {})
      this.#channels.set(channel, local)
    }
    const entry = local
    entry.listeners.add(listener)
    entry.ended.set(listener, ended)
    if (presence) entry.watchers.add(presence)
    const unsubscribe = () => {
      entry.listeners.delete(listener)
      entry.ended.delete(listener)
      if (presence) entry.watchers.delete(presence)
      if (entry.listeners.size > 0 || this.#channels.get(channel) !== entry) return
      this.#channels.delete(channel)
      this.#redis.unsubscribe(this.#keys.fanout(channel))
    }
    try {
      await entry.subscribed
    } catch (error) {
      unsubscribe()
      if (this.#channels.get(channel) === entry) this.#channels.delete(channel)
      this.#log(`Redis SUBSCRIBE to ${channel} failed`, error)
      throw unavailable('This server could not subscribe to the channel in Redis; retry')
    }
    // The fan-out dropped while Redis confirmed: that confirmation is worth nothing now.
    if (this.#channels.get(channel) !== entry || !entry.ended.has(listener)) {
      unsubscribe()
      throw unavailable('This server lost its connection to Redis; retry')
    }
    return unsubscribe
  }

  async history(channel: string, since?: Position, rewind?: number): Promise<HistoryResult> {
    this.#assertReady('read history')
    let reply: Awaited<ReturnType<ScriptCommands['lifelineHistory']>>
    try {
      reply = await this.#commands.lifelineHistory(
        2,
        this.#keys.meta(channel),
        this.#keys.log(channel),
        randomId('', 4),
        since?.epoch ?? '',
        since?.offset ?? 0,
        this.#history.historyTtlMs,
        since ? 0 : Math.min(rewind ?? 0, this.#history.historySize),
      )
    } catch (error) {
      this.#log('Redis history read failed', error)
      throw unavailable('Redis did not answer the history read; retry')
    }
    const [epoch, offset, recovered, messages, from, times] = reply
    const publications = messages.map((text, index): Publication => {
      const { event, data, publisher = null } = JSON.parse(text) as StoredMessage
      return { channel, event, data, pos: { epoch, offset: from + index + 1 }, meta: { publisher, time: Number(times[index]) } }
    })
    const position = { epoch, offset }
    if (recovered === 1) return { position, recovered: true, publications, ...(!since && rewind ? { replayFrom: { epoch, offset: from } } : {}) }
    return { position, recovered: false, publications, ...(from >= 0 ? { replayFrom: { epoch, offset: from } } : {}) }
  }

  joinPresence(entry: PresenceEntry): Promise<void> {
    return this.#presence.join(entry)
  }

  leavePresence(channel: string, connection: string): void {
    this.#presence.leave(channel, connection)
  }

  presence(channel: string): Promise<PresenceSnapshot> {
    return this.#presence.members(channel)
  }

  registerSession(session: string, handler: (envelope: UpstreamEnvelope) => UpstreamVerdict): () => void {
    return this.#sessions.register(session, handler)
  }

  async routeToSession(session: string, envelope: UpstreamEnvelope): Promise<UpstreamVerdict> {
    const local = this.#sessions.get(session)
    if (local) return local(envelope)
    if (this.#redis.health().status !== 'ok') {
      return { accepted: false, status: 503, error: { code: 'UNAVAILABLE', message: 'Redis is unreachable, so sessions on other replicas cannot be reached; retry' } }
    }
    return this.#router.route(session, envelope, this.#routeTimeoutMs)
  }

  registerPoller(session: string, handler: (envelope: PollEnvelope) => Promise<PollVerdict>): () => void {
    return this.#pollers.register(session, handler)
  }

  /** A poll for a session on another replica waits up to `holdMs` for the holder, plus the routing timeout. */
  async routePoll(session: string, envelope: PollEnvelope, holdMs: number): Promise<PollVerdict> {
    const local = this.#pollers.get(session)
    if (local) return local(envelope)
    if (this.#redis.health().status !== 'ok') {
      return { accepted: false, status: 503, error: { code: 'UNAVAILABLE', message: 'Redis is unreachable, so sessions on other replicas cannot be polled; retry' } }
    }
    return this.#polls.route(session, envelope, holdMs + this.#routeTimeoutMs)
  }

  /** Single use across replicas needs Redis: without it a claim is refused (`UNAVAILABLE`), never guessed. */
  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    this.#assertReady('claim')
    try {
      return (await this.#commands.set(this.#keys.claim(key), '1', 'PX', ttlMs, 'NX')) === 'OK'
    } catch (error) {
      this.#log('Redis claim failed', error)
      throw unavailable('Redis did not answer the claim; retry')
    }
  }

  async keep(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertReady('keep')
    try {
      await this.#commands.set(this.#keys.kept(key), value, 'PX', ttlMs)
    } catch (error) {
      this.#log('Redis SET failed', error)
      throw unavailable('Redis did not store it; retry')
    }
  }

  async take(key: string): Promise<string | undefined> {
    this.#assertReady('take')
    try {
      return (await this.#commands.getdel(this.#keys.kept(key))) ?? undefined
    } catch (error) {
      this.#log('Redis GETDEL failed', error)
      throw unavailable('Redis did not answer; retry')
    }
  }

  health(): BrokerHealth {
    return this.#redis.health()
  }

  onHealthChange(listener: (health: BrokerHealth) => void): () => void {
    return this.#redis.onHealthChange(listener)
  }

  /** Disconnects from Redis (no more reconnects). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#presence.close()
    this.#router.close()
    this.#polls.close()
    this.#redis.close()
    this.#channels.clear()
    this.#sessions.clear()
    this.#pollers.clear()
  }

  #receive(pubsubChannel: string, text: string): void {
    try {
      if (pubsubChannel === this.#keys.upstream) return this.#router.handleRequest(text)
      if (pubsubChannel === this.#keys.upstreamReplies(this.#replica)) return this.#router.handleAnswer(text)
      if (pubsubChannel === this.#keys.polls) return this.#polls.handleRequest(text)
      if (pubsubChannel === this.#keys.pollReplies(this.#replica)) return this.#polls.handleAnswer(text)
      const channel = this.#keys.channelOf(pubsubChannel)
      if (channel === undefined) return
      const fanout = JSON.parse(text) as FanoutMessage
      if ('p' in fanout) return this.#announce(channel, { action: fanout.p.a, member: fanout.p.m, version: fanout.p.v })
      const { e: epoch, o: offset, t: time, m: message } = fanout
      this.#dispatch({ channel, event: message.event, data: message.data, pos: { epoch, offset }, meta: { publisher: message.publisher ?? null, time } })
    } catch (error) {
      this.#log(`bad message on Redis channel ${pubsubChannel}`, error)
    }
  }

  #dispatch(publication: Publication): void {
    const local = this.#channels.get(publication.channel)
    if (!local) return
    for (const listener of local.listeners.snapshot()) {
      try {
        listener(publication)
      } catch (error) {
        this.#log('channel listener failed', error)
      }
    }
  }

  #announce(channel: string, change: PresenceChange): void {
    const local = this.#channels.get(channel)
    if (!local) return
    for (const watcher of local.watchers.snapshot()) {
      try {
        watcher(change)
      } catch (error) {
        this.#log('presence listener failed', error)
      }
    }
  }

  /** Refuses (`UNAVAILABLE`) unless both Redis connections are up: nothing is done half. */
  #assertReady(what: string): void {
    const health = this.#redis.health()
    if (health.status !== 'ok') throw unavailable(`Cannot ${what} now: ${health.reason}; retry`)
  }

  /**
   * The fan-out connection dropped: whatever was published meanwhile never reaches this replica,
   * so every local subscription ends, and its subscriber recovers from Redis when it is back.
   */
  #endAll(): void {
    const channels = [...this.#channels.values()]
    this.#channels.clear()
    for (const local of channels) {
      for (const ended of [...local.ended.values()]) {
        try {
          ended?.(FANOUT_LOST)
        } catch (error) {
          this.#log('subscription end listener failed', error)
        }
      }
    }
  }
}
