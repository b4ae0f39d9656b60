import type { Position } from '@lifeline/protocol'
import type { Broker, BrokerHealth, HistoryResult, PresenceChange, PresenceEntry, PresenceSnapshot, Publication, PublishInput, PublishOutcome, PollEnvelope, PollVerdict, SubscriptionEnded, UpstreamEnvelope, UpstreamVerdict } from '../engine/broker'
import { HandlerRegistry } from '../engine/handlerRegistry'
import { DEFAULT_HISTORY_OPTIONS } from '../engine/historyOptions'
import { randomId } from '../engine/randomId'
import { unavailable } from '../engine/refusedError'
import { stripUndefined } from '../engine/stripUndefined'
import type { FanoutMessage } from './fanoutMessage'
import { redisKeys, type RedisKeys } from './keys'
import { LocalChannels } from './localChannels'
import { pollRouter } from './pollRouter'
import { definePresenceScripts, type PresenceScriptCommands } from './presenceScripts'
import { MIN_PRESENCE_TTL_MS, pickHistory, REDIS_BROKER_DEFAULTS, type RedisBrokerOptions } from './redisBrokerOptions'
import { RedisConnections } from './redisConnections'
import { RedisHistory } from './redisHistory'
import { RedisPresence } from './redisPresence'
import { RedisTicketStore } from './redisTicketStore'
import { defineScripts, type ScriptCommands } from './scripts'
import type { SessionRouter } from './sessionRouter'
import { upstreamRouter } from './upstreamRouter'

// The `@lifeline/mock-server/redis` entry is this file: its options type is exported with it.
export type { RedisBrokerOptions }

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
  readonly #history: RedisHistory
  readonly #tickets: RedisTicketStore
  readonly #keys: RedisKeys
  readonly #redis: RedisConnections
  readonly #commands: RedisConnections['commands'] & ScriptCommands & PresenceScriptCommands
  readonly #router: SessionRouter<UpstreamEnvelope, UpstreamVerdict>
  readonly #replica = randomId('r_', 8)
  readonly #channels: LocalChannels
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
    const history = { ...DEFAULT_HISTORY_OPTIONS, ...pickHistory(defined) }
    for (const [name, value] of Object.entries({ ...history, routeTimeoutMs, commandTimeoutMs, reconnectMaxDelayMs, presenceTtlMs })) {
      if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`RedisBroker option "${name}" must be a positive integer, got ${String(value)}`)
    }
    if (presenceTtlMs < MIN_PRESENCE_TTL_MS) throw new TypeError(`RedisBroker option "presenceTtlMs" must be at least ${MIN_PRESENCE_TTL_MS} (ms), got ${presenceTtlMs}`)
    this.#keys = redisKeys(keyPrefix)
    this.#log = options.log ?? ((message, error) => console.error(`[lifeline] ${message}`, error))
    this.#channels = new LocalChannels({
      subscribe: (channel) => this.#redis.subscribe(this.#keys.fanout(channel)),
      unsubscribe: (channel) => this.#redis.unsubscribe(this.#keys.fanout(channel)),
      log: this.#log,
    })
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
        ...this.#channels.names().map(this.#keys.fanout),
      ],
      onMessage: (channel, text) => this.#receive(channel, text),
      onSubscriberLost: () => this.#channels.endAll(),
      log: this.#log,
    })
    this.#commands = definePresenceScripts(defineScripts(this.#redis.commands))
    this.#history = new RedisHistory({ keys: this.#keys, commands: this.#commands, history, log: this.#log })
    this.#tickets = new RedisTicketStore({ keys: this.#keys, commands: this.#commands, log: this.#log })
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
    return this.#history.publish(input)
  }

  async subscribe(channel: string, listener: (publication: Publication) => void, ended?: SubscriptionEnded, presence?: (change: PresenceChange) => void): Promise<() => void> {
    this.#assertReady('subscribe')
    return this.#channels.subscribe(channel, listener, ended, presence)
  }

  async history(channel: string, since?: Position, rewind?: number): Promise<HistoryResult> {
    this.#assertReady('read history')
    return this.#history.read(channel, since, rewind)
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
    return this.#tickets.claimOnce(key, ttlMs)
  }

  async keep(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertReady('keep')
    return this.#tickets.keep(key, value, ttlMs)
  }

  async take(key: string): Promise<string | undefined> {
    this.#assertReady('take')
    return this.#tickets.take(key)
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
      if ('p' in fanout) return this.#channels.announce(channel, { action: fanout.p.a, member: fanout.p.m, version: fanout.p.v })
      const { e: epoch, o: offset, t: time, m: message } = fanout
      this.#channels.dispatch({ channel, event: message.event, data: message.data, pos: { epoch, offset }, meta: { publisher: message.publisher ?? null, time } })
    } catch (error) {
      this.#log(`bad message on Redis channel ${pubsubChannel}`, error)
    }
  }

  /** Refuses (`UNAVAILABLE`) unless both Redis connections are up: nothing is done half. */
  #assertReady(what: string): void {
    const health = this.#redis.health()
    if (health.status !== 'ok') throw unavailable(`Cannot ${what} now: ${health.reason}; retry`)
  }
}
