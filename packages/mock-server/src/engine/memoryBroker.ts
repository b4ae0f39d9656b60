import type { Position } from '@lifeline/protocol'
import {
  publisherOf,
  SESSION_NOT_FOUND,
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
  type UpstreamEnvelope,
  type UpstreamVerdict,
} from './broker'
import { systemClock, type Clock } from './clock'
import { HandlerRegistry } from './handlerRegistry'
import { DEFAULT_HISTORY_OPTIONS, idempotencyScope, type HistoryOptions } from './historyOptions'
import { ListenerSet } from './listenerSet'
import { MemoryPresence } from './memoryPresence'
import { randomId } from './randomId'
import { stripUndefined } from './stripUndefined'


export interface MemoryBrokerOptions extends HistoryOptions {
  /** @default systemClock */
  clock?: Clock
  /** Receives a subscriber's failure, so one broken listener never stops the others. @default console.error */
  log?: (message: string, error: unknown) => void
}

interface ChannelLog {
  epoch: string
  offset: number
  entries: { publication: Publication; at: number }[]
  listeners: ListenerSet<Publication>
}

/**
 * The default broker: one process, history in memory. Its epochs are new on every start, so a
 * restarted server correctly answers `recovered: false` to positions from before.
 */
export class MemoryBroker implements Broker {
  readonly #options: Required<HistoryOptions>
  readonly #clock: Clock
  readonly #channels = new Map<string, ChannelLog>()
  readonly #sessions = new HandlerRegistry<(envelope: UpstreamEnvelope) => UpstreamVerdict>()
  readonly #pollers = new HandlerRegistry<(envelope: PollEnvelope) => Promise<PollVerdict>>()
  readonly #claims = new Map<string, number>()
  readonly #kept = new Map<string, { value: string; expiresAt: number }>()
  /** Idempotency keys of every channel, by scope, oldest first. */
  readonly #keys = new Map<string, { outcome: PublishOutcome; at: number }>()
  readonly #logError: (message: string, error: unknown) => void
  readonly #presence: MemoryPresence

  constructor(options: MemoryBrokerOptions = {}) {
    const { clock, log, ...history } = options
    this.#options = { ...DEFAULT_HISTORY_OPTIONS, ...stripUndefined(history) }
    this.#clock = clock ?? systemClock
    this.#logError = log ?? ((message, error) => console.error(`[lifeline] ${message}`, error))
    this.#presence = new MemoryPresence(this.#logError)
  }

  async publish(input: PublishInput): Promise<PublishOutcome> {
    const { channel, event, data, key } = input
    const log = this.#log(channel)
    const now = this.#clock.now()
    this.#trim(log, now)
    this.#forgetKeys(now)
    const scope = key === undefined ? undefined : idempotencyScope(input)
    if (scope !== undefined) {
      const seen = this.#keys.get(scope)
      if (seen) return { position: seen.outcome.position, duplicate: true }
    }
    log.offset += 1
    const publication: Publication = { channel, event, data, pos: { epoch: log.epoch, offset: log.offset }, meta: { publisher: publisherOf(input.publisher), time: now } }
    log.entries.push({ publication, at: now })
    if (log.entries.length > this.#options.historySize) log.entries.shift()
    const outcome = { position: publication.pos, duplicate: false }
    if (scope !== undefined) this.#keys.set(scope, { outcome, at: now })
    log.listeners.emit(publication, (error) => this.#logError('channel listener failed', error))
    return outcome
  }

  /** Never ends a subscription on its own: every publication reaches every listener of the process. */
  async subscribe(channel: string, listener: (publication: Publication) => void, _ended?: unknown, presence?: (change: PresenceChange) => void): Promise<() => void> {
    const log = this.#log(channel)
    log.listeners.add(listener)
    const stopPresence = presence ? this.#presence.listen(channel, presence) : undefined
    return () => {
      log.listeners.delete(listener)
      stopPresence?.()
    }
  }

  async history(channel: string, since?: Position, rewind?: number): Promise<HistoryResult> {
    const log = this.#log(channel)
    this.#trim(log, this.#clock.now())
    const position = { epoch: log.epoch, offset: log.offset }
    if (!since && rewind) {
      const publications = log.entries.slice(-rewind).map((entry) => entry.publication)
      const first = publications[0]?.pos.offset ?? log.offset + 1
      return { position, recovered: true, publications, replayFrom: { epoch: log.epoch, offset: first - 1 } }
    }
    if (!since) return { position, recovered: true, publications: [] }
    const oldest = log.entries[0]?.publication.pos.offset ?? log.offset + 1
    if (since.epoch !== log.epoch) {
      // An epoch this process never had (it restarted): what the current epoch holds from its start
      // is still deliverable, flagged as not recovered so the client reports the old epoch's loss.
      if (oldest !== 1) return { position, recovered: false, publications: [] }
      return { position, recovered: false, publications: log.entries.map((entry) => entry.publication), replayFrom: { epoch: log.epoch, offset: 0 } }
    }
    if (since.offset > log.offset || oldest > since.offset + 1) return { position, recovered: false, publications: [] }
    const publications = log.entries.filter((entry) => entry.publication.pos.offset > since.offset).map((entry) => entry.publication)
    return { position, recovered: true, publications }
  }

  async joinPresence(entry: PresenceEntry): Promise<void> {
    this.#presence.join(entry)
  }

  leavePresence(channel: string, connection: string): void {
    this.#presence.leave(channel, connection)
  }

  async presence(channel: string): Promise<PresenceSnapshot> {
    return this.#presence.snapshot(channel)
  }

  registerSession(session: string, handler: (envelope: UpstreamEnvelope) => UpstreamVerdict): () => void {
    return this.#sessions.register(session, handler)
  }

  async routeToSession(session: string, envelope: UpstreamEnvelope): Promise<UpstreamVerdict> {
    return this.#sessions.get(session)?.(envelope) ?? SESSION_NOT_FOUND
  }

  registerPoller(session: string, handler: (envelope: PollEnvelope) => Promise<PollVerdict>): () => void {
    return this.#pollers.register(session, handler)
  }

  async routePoll(session: string, envelope: PollEnvelope): Promise<PollVerdict> {
    return this.#pollers.get(session)?.(envelope) ?? SESSION_NOT_FOUND
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now()
    for (const [claimed, expiresAt] of this.#claims) if (expiresAt <= now) this.#claims.delete(claimed)
    if (this.#claims.has(key)) return false
    this.#claims.set(key, now + ttlMs)
    return true
  }

  async keep(key: string, value: string, ttlMs: number): Promise<void> {
    const now = this.#clock.now()
    for (const [kept, { expiresAt }] of this.#kept) if (expiresAt <= now) this.#kept.delete(kept)
    this.#kept.set(key, { value, expiresAt: now + ttlMs })
  }

  async take(key: string): Promise<string | undefined> {
    const kept = this.#kept.get(key)
    this.#kept.delete(key)
    return kept && kept.expiresAt > this.#clock.now() ? kept.value : undefined
  }

  health(): BrokerHealth {
    return { status: 'ok' }
  }

  onHealthChange(): () => void {
    return () => {}
  }

  async close(): Promise<void> {
    this.#channels.clear()
    this.#presence.clear()
    this.#sessions.clear()
    this.#kept.clear()
    this.#pollers.clear()
  }

  #log(channel: string): ChannelLog {
    let log = this.#channels.get(channel)
    if (!log) {
      log = { epoch: randomId('', 4), offset: 0, entries: [], listeners: new ListenerSet() }
      this.#channels.set(channel, log)
    }
    return log
  }

  #trim(log: ChannelLog, now: number): void {
    const oldestKept = now - this.#options.historyTtlMs
    while (log.entries.length > 0 && log.entries[0]!.at < oldestKept) log.entries.shift()
  }

  #forgetKeys(now: number): void {
    const oldestKey = now - this.#options.idempotencyWindowMs
    for (const [key, seen] of this.#keys) {
      // Map iteration is insertion order, so the first fresh key ends the sweep.
      if (seen.at >= oldestKey) break
      this.#keys.delete(key)
    }
  }
}
