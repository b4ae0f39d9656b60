import type { Position } from '@lifeline/protocol'
import type { RedisOptions } from 'ioredis'
import type {
  Broker,
  BrokerHealth,
  HistoryResult,
  Publication,
  PublishInput,
  PublishOutcome,
  PollEnvelope,
  PollVerdict,
  SubscriptionEnded,
  UpstreamEnvelope,
  UpstreamVerdict,
} from '../engine/broker'
import { ListenerSet } from '../engine/listenerSet'
import { DEFAULT_HISTORY_OPTIONS, idempotencyScope, stripUndefined, type HistoryOptions } from '../engine/memoryBroker'
import { randomId } from '../engine/randomId'
import { unavailable } from '../engine/refusedError'
import { redisKeys, type RedisKeys } from './keys'
import { RedisConnections } from './redisConnections'
import { defineScripts, type ScriptCommands } from './scripts'
import { pollRouter } from './pollRouter'
import type { SessionRouter } from './sessionRouter'
import { UpstreamRouter } from './upstreamRouter'

export interface RedisBrokerOptions extends HistoryOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` URL.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string
  /** More ioredis options (TLS, credentials, `family`…), applied over the broker's own. */
  redisOptions?: RedisOptions
  /**
   * Prefix of every key and pub/sub channel; deployments sharing one Redis need different ones.
   * @default 'lifeline:'
   */
  keyPrefix?: string
  /**
   * How long an upstream command waits for the replica holding the session (then `503`); a long
   * poll routed there waits its hold (`pollMs`) plus this.
   * @default 2000
   */
  routeTimeoutMs?: number
  /**
   * A Redis command that takes longer fails (the publish is answered `UNAVAILABLE`, the client
   * retries with the same idempotency key).
   * @default 2000
   */
  commandTimeoutMs?: number
  /**
   * Longest pause between reconnect attempts (exponential backoff with jitter up to it).
   * @default 2000
   */
  reconnectMaxDelayMs?: number
  /** Receives Redis errors and failures. @default console.error */
  log?: (message: string, error: unknown) => void
}

const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'lifeline:',
  routeTimeoutMs: 2000,
  commandTimeoutMs: 2000,
  reconnectMaxDelayMs: 2000,
}

/** A publication as it travels on a fan-out pub/sub channel (built by `PUBLISH_SCRIPT`). */
interface FanoutMessage {
  e: string
  o: number
  m: StoredMessage
}

interface StoredMessage {
  event: string
  data: unknown
}

interface LocalChannel {
  listeners: ListenerSet<Publication>
  /** Told when the broker ends the subscription (the fan-out connection dropped). */
  ended: Map<(publication: Publication) => void, SubscriptionEnded | undefined>
  /** Settles once the fan-out SUBSCRIBE is in effect; rejects when it could not be made. */
  subscribed: Promise<void>
}

/** What a subscription is ended with when this replica's fan-out from Redis broke. */
const FANOUT_LOST = { code: 'UNAVAILABLE', message: 'This server lost its connection to Redis; subscribe again from your position' } as const

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
  readonly #commands: RedisConnections['commands'] & ScriptCommands
  readonly #router: UpstreamRouter
  readonly #replica = randomId('r_', 8)
  readonly #channels = new Map<string, LocalChannel>()
  readonly #sessions = new Map<string, (envelope: UpstreamEnvelope) => UpstreamVerdict>()
  readonly #pollers = new Map<string, (envelope: PollEnvelope) => Promise<PollVerdict>>()
  readonly #polls: SessionRouter<PollEnvelope, PollVerdict>
  readonly #routeTimeoutMs: number
  readonly #log: (message: string, error: unknown) => void
  #closed = false

  constructor(options: RedisBrokerOptions = {}) {
    const defined = stripUndefined(options)
    const { url, keyPrefix, routeTimeoutMs, commandTimeoutMs, reconnectMaxDelayMs } = { ...DEFAULTS, ...defined }
    this.#history = { ...DEFAULT_HISTORY_OPTIONS, ...pickHistory(defined) }
    for (const [name, value] of Object.entries({ ...this.#history, routeTimeoutMs, commandTimeoutMs, reconnectMaxDelayMs })) {
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
    this.#commands = defineScripts(this.#redis.commands)
    this.#router = new UpstreamRouter({
      replica: this.#replica,
      requestChannel: this.#keys.upstream,
      replyChannel: this.#keys.upstreamReplies,
      publish: (channel, message) => this.#commands.publish(channel, message),
      localHandler: (session) => this.#sessions.get(session),
      timeoutMs: routeTimeoutMs,
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
    const message: StoredMessage = { event, data }
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

  async subscribe(channel: string, listener: (publication: Publication) => void, ended?: SubscriptionEnded): Promise<() => void> {
    this.#assertReady('subscribe')
    let local = this.#channels.get(channel)
    if (!local) {
      local = { listeners: new ListenerSet(), ended: new Map(), subscribed: this.#redis.subscribe(this.#keys.fanout(channel)) }
      // Every listener that waits on it hears of a failure; this one is only there for the unhandled case.
      local.subscribed.catch(() => {})
      this.#channels.set(channel, local)
    }
    const entry = local
    entry.listeners.add(listener)
    entry.ended.set(listener, ended)
    const unsubscribe = () => {
      entry.listeners.delete(listener)
      entry.ended.delete(listener)
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

  async history(channel: string, since?: Position): Promise<HistoryResult> {
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
      )
    } catch (error) {
      this.#log('Redis history read failed', error)
      throw unavailable('Redis did not answer the history read; retry')
    }
    const [epoch, offset, recovered, messages, from] = reply
    const publications = messages.map((text, index): Publication => {
      const { event, data } = JSON.parse(text) as StoredMessage
      return { channel, event, data, pos: { epoch, offset: from + index + 1 } }
    })
    const position = { epoch, offset }
    if (recovered === 1) return { position, recovered: true, publications }
    return { position, recovered: false, publications, ...(from >= 0 ? { replayFrom: { epoch, offset: from } } : {}) }
  }

  registerSession(session: string, handler: (envelope: UpstreamEnvelope) => UpstreamVerdict): () => void {
    this.#sessions.set(session, handler)
    return () => {
      if (this.#sessions.get(session) === handler) this.#sessions.delete(session)
    }
  }

  async routeToSession(session: string, envelope: UpstreamEnvelope): Promise<UpstreamVerdict> {
    const local = this.#sessions.get(session)
    if (local) return local(envelope)
    if (this.#redis.health().status !== 'ok') {
      return { accepted: false, status: 503, error: { code: 'UNAVAILABLE', message: 'Redis is unreachable, so sessions on other replicas cannot be reached; retry' } }
    }
    return this.#router.route(session, envelope)
  }

  registerPoller(session: string, handler: (envelope: PollEnvelope) => Promise<PollVerdict>): () => void {
    this.#pollers.set(session, handler)
    return () => {
      if (this.#pollers.get(session) === handler) this.#pollers.delete(session)
    }
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
      const { e: epoch, o: offset, m: message } = JSON.parse(text) as FanoutMessage
      this.#dispatch({ channel, event: message.event, data: message.data, pos: { epoch, offset } })
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

function pickHistory(options: Partial<RedisBrokerOptions>): Partial<HistoryOptions> {
  const { historySize, historyTtlMs, idempotencyWindowMs } = options
  return stripUndefined({ historySize, historyTtlMs, idempotencyWindowMs })
}
