import { Redis, type RedisOptions } from 'ioredis'
import type { BrokerHealth } from '../engine/broker'
import { reconnectDelay } from './reconnectDelay'

export interface RedisConnectionsOptions {
  url: string
  redisOptions?: RedisOptions | undefined
  commandTimeoutMs: number
  reconnectMaxDelayMs: number
  /** Every pub/sub channel that must be subscribed; asked again on each reconnect. */
  subscriptions(): string[]
  onMessage(channel: string, text: string): void
  /**
   * The pub/sub connection dropped: Redis delivered nothing to it since, and sends nothing of that
   * time again (pub/sub is at most once), so every subscription that relied on it missed what came.
   */
  onSubscriberLost(): void
  log(message: string, error: unknown): void
}

const OK: BrokerHealth = { status: 'ok' }

/**
 * The broker's two Redis connections (one for commands, one that Redis dedicates to pub/sub) and
 * the health they add up to: `ok` only while both are up and every subscription is in effect again,
 * so fan-out counts as back only when it really is.
 */
export class RedisConnections {
  readonly commands: Redis
  readonly #subscriber: Redis
  readonly #options: RedisConnectionsOptions
  readonly #listeners = new Set<(health: BrokerHealth) => void>()
  #health: BrokerHealth = { status: 'degraded', reason: 'connecting to Redis' }
  #commandsUp = false
  #subscriberUp = false
  /** Bumped whenever the subscriber connection drops, so a stale resubscribe cannot mark it up. */
  #subscriberGeneration = 0
  #lastError = ''
  #everUp = false
  #closed = false

  constructor(options: RedisConnectionsOptions) {
    this.#options = options
    const redisOptions: RedisOptions = {
      // Fail fast instead of queueing: a queued publish would run after the outage, out of order.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // Resubscribing here, not in ioredis, tells when fan-out is really back.
      autoResubscribe: false,
      commandTimeout: options.commandTimeoutMs,
      retryStrategy: reconnectDelay(options.reconnectMaxDelayMs),
      ...options.redisOptions,
    }
    this.commands = new Redis(options.url, redisOptions)
    this.#subscriber = new Redis(options.url, redisOptions)
    this.#watchCommands()
    this.#watchSubscriber()
  }

  health(): BrokerHealth {
    return this.#health
  }

  onHealthChange(listener: (health: BrokerHealth) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Resolves once health is `ok`. */
  ready(): Promise<void> {
    if (this.#health.status === 'ok') return Promise.resolve()
    return new Promise((resolve) => {
      const stop = this.onHealthChange((health) => {
        if (health.status !== 'ok') return
        stop()
        resolve()
      })
    })
  }

  /**
   * SUBSCRIBEs and resolves once Redis confirmed it. Rejects when the pub/sub connection is not up
   * or fails meanwhile: a subscription that is not in effect must not pass for one.
   */
  async subscribe(channel: string): Promise<void> {
    if (!this.#subscriberUp || this.#subscriber.status !== 'ready') throw new Error('the Redis pub/sub connection is not up')
    try {
      await this.#subscriber.subscribe(channel)
    } catch (error) {
      this.#noteError(error)
      throw error
    }
  }

  unsubscribe(channel: string): void {
    if (this.#subscriber.status !== 'ready') return
    this.#subscriber.unsubscribe(channel).catch((error: unknown) => this.#options.log('Redis UNSUBSCRIBE failed', error))
  }

  /** Disconnects both (no more reconnects). */
  close(): void {
    this.#closed = true
    this.commands.disconnect()
    this.#subscriber.disconnect()
  }

  #watchCommands(): void {
    const connection = this.commands
    connection.on('error', (error: Error) => this.#noteError(error))
    connection.on('ready', () => {
      this.#commandsUp = true
      this.#update()
    })
    connection.on('close', () => {
      this.#commandsUp = false
      this.#update()
    })
  }

  #watchSubscriber(): void {
    const connection = this.#subscriber
    connection.on('error', (error: Error) => this.#noteError(error))
    connection.on('message', (channel: string, text: string) => this.#options.onMessage(channel, text))
    connection.on('ready', () => {
      const generation = this.#subscriberGeneration
      connection.subscribe(...this.#options.subscriptions()).then(
        () => {
          if (generation !== this.#subscriberGeneration) return
          this.#subscriberUp = true
          this.#update()
        },
        (error: unknown) => this.#noteError(error),
      )
    })
    connection.on('close', () => {
      this.#subscriberGeneration += 1
      this.#subscriberUp = false
      this.#update()
      if (!this.#closed) this.#options.onSubscriberLost()
    })
  }

  #noteError(error: unknown): void {
    this.#lastError = error instanceof Error ? error.message : String(error)
    this.#update()
  }

  #update(): void {
    if (this.#closed) return
    const up = this.#commandsUp && this.#subscriberUp
    if (up) {
      this.#lastError = ''
      this.#everUp = true
    }
    const cause = this.#lastError || (this.#everUp ? 'connection lost' : '')
    const next: BrokerHealth = up ? OK : { status: 'degraded', reason: cause ? `Redis unreachable: ${cause}` : 'connecting to Redis' }
    const previous = this.#health
    if (next.status === previous.status && (next.status === 'ok' || (previous.status === 'degraded' && next.reason === previous.reason))) return
    this.#health = next
    for (const listener of [...this.#listeners]) {
      try {
        listener(next)
      } catch (error) {
        this.#options.log('health listener failed', error)
      }
    }
  }
}
