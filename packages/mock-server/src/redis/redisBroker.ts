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
  UpstreamEnvelope,
  UpstreamVerdict,
} from '../engine/broker'
import { ListenerSet } from '../engine/listenerSet'
import { DEFAULT_HISTORY_OPTIONS, MemoryBroker, stripUndefined, type HistoryOptions } from '../engine/memoryBroker'
import { randomId } from '../engine/randomId'
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
   * How long an SSE upstream command waits for the replica holding the session (then `503`).
   * @default 2000
   */
  routeTimeoutMs?: number
  /**
   * A Redis command that takes longer fails (the publish is answered `INTERNAL`, the client retries).
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
  /** Settles once the fan-out SUBSCRIBE is in effect (or at once while Redis is away). */
  subscribed: Promise<void>
}

/**
 * The broker for several replicas: positions and history in Redis (a stream per channel, appended
 * by a Lua script), fan-out by pub/sub, SSE upstream routed through Redis, idempotency keys and
 * single-use claims shared by every replica.
 *
 * Every publication reaches this replica's sockets through Redis pub/sub, including its own: one
 * path, so nothing is delivered twice, every replica sees a channel in offset order, and other
 * replicas never wait for a local send loop. While Redis is unreachable the broker is degraded: it
 * keeps serving local clients from an in-memory broker with its own epochs (so positions from the
 * outage never pass for Redis ones), and switches back once both connections are up again.
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
  /** Serves local clients while degraded; dropped (with its epochs) when Redis is back. */
  #fallback: MemoryBroker | undefined
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
      log: this.#log,
    })
    this.#commands = defineScripts(this.#redis.commands)
    this.#redis.onHealthChange((health) => {
      if (health.status !== 'ok') return
      void this.#fallback?.close()
      this.#fallback = undefined
    })
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
    const fallback = this.#degradedFallback()
    if (fallback) {
      const outcome = await fallback.publish(input)
      if (!outcome.duplicate) this.#dispatch({ channel: input.channel, event: input.event, data: input.data, pos: outcome.position })
      return outcome
    }
    const { channel, event, data, key } = input
    const keys = [this.#keys.meta(channel), this.#keys.log(channel), ...(key === undefined ? [] : [this.#keys.idempotency(channel, key)])]
    const message: StoredMessage = { event, data }
    const { historySize, historyTtlMs, idempotencyWindowMs } = this.#history
    const [epoch, offset, duplicate] = await this.#commands.lifelinePublish(
      keys.length,
      ...keys,
      randomId('', 4),
      JSON.stringify(message),
      historySize,
      historyTtlMs,
      idempotencyWindowMs,
      this.#keys.fanout(channel),
    )
    return { position: { epoch, offset }, duplicate: duplicate === 1 }
  }

  async subscribe(channel: string, listener: (publication: Publication) => void): Promise<() => void> {
    let local = this.#channels.get(channel)
    if (!local) {
      local = { listeners: new ListenerSet(), subscribed: this.#redis.subscribe(this.#keys.fanout(channel)) }
      this.#channels.set(channel, local)
    }
    const entry = local
    entry.listeners.add(listener)
    await entry.subscribed
    return () => {
      entry.listeners.delete(listener)
      if (entry.listeners.size > 0 || this.#channels.get(channel) !== entry) return
      this.#channels.delete(channel)
      this.#redis.unsubscribe(this.#keys.fanout(channel))
    }
  }

  /**
   * @note When Redis fails mid-read this answers from this replica (a local epoch, `recovered:
   * false` for a `since`) instead of failing: a read has nothing to undo, and a failed subscribe
   * would leave the client's channel `failed`.
   */
  async history(channel: string, since?: Position): Promise<HistoryResult> {
    const fallback = this.#degradedFallback()
    if (fallback) return fallback.history(channel, since)
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
      this.#log('Redis history read failed; answering from this replica', error)
      return this.#localFallback().history(channel, since)
    }
    const [epoch, offset, recovered, messages] = reply
    const first = since?.offset ?? 0
    const publications = messages.map((text, index): Publication => {
      const { event, data } = JSON.parse(text) as StoredMessage
      return { channel, event, data, pos: { epoch, offset: first + index + 1 } }
    })
    return { position: { epoch, offset }, recovered: recovered === 1, publications }
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
      return { accepted: false, status: 503, error: { code: 'INTERNAL', message: 'Redis is unreachable, so sessions on other replicas cannot be reached; retry' } }
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

  /** While Redis is away (or fails this very call), claims are single-use on this replica only. */
  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const fallback = this.#degradedFallback()
    if (fallback) return fallback.claimOnce(key, ttlMs)
    try {
      return (await this.#commands.set(this.#keys.claim(key), '1', 'PX', ttlMs, 'NX')) === 'OK'
    } catch (error) {
      this.#log('Redis claim failed; claiming on this replica', error)
      return this.#localFallback().claimOnce(key, ttlMs)
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
    await this.#fallback?.close()
    this.#fallback = undefined
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

  #degradedFallback(): MemoryBroker | undefined {
    return this.#redis.health().status === 'ok' ? undefined : this.#localFallback()
  }

  #localFallback(): MemoryBroker {
    this.#fallback ??= new MemoryBroker(this.#history)
    return this.#fallback
  }
}

function pickHistory(options: Partial<RedisBrokerOptions>): Partial<HistoryOptions> {
  const { historySize, historyTtlMs, idempotencyWindowMs } = options
  return stripUndefined({ historySize, historyTtlMs, idempotencyWindowMs })
}
