import type { Position } from '@lifeline/protocol'
import { publisherOf, type HistoryResult, type Publication, type PublishInput, type PublishOutcome } from '../engine/broker'
import { idempotencyScope, type HistoryOptions } from '../engine/historyOptions'
import { randomId } from '../engine/randomId'
import { unavailable } from '../engine/refusedError'
import type { StoredMessage } from './fanoutMessage'
import type { RedisKeys } from './keys'
import type { ScriptCommands } from './scripts'

export interface RedisHistoryOptions {
  keys: RedisKeys
  commands: ScriptCommands
  history: Required<HistoryOptions>
  log(message: string, error: unknown): void
}

/**
 * Channels' positions and history in Redis: a stream per channel, appended and read by Lua scripts
 * so that position, history, idempotency key and fan-out change together. A failed command rejects
 * with `RefusedError('UNAVAILABLE')`.
 */
export class RedisHistory {
  readonly #options: RedisHistoryOptions

  constructor(options: RedisHistoryOptions) {
    this.#options = options
  }

  /** Stores the publication and fans it out, or finds it already stored under its idempotency key. */
  async publish(input: PublishInput): Promise<PublishOutcome> {
    const { keys, commands, log } = this.#options
    const { channel, event, data, key } = input
    const scriptKeys = [keys.meta(channel), keys.log(channel), ...(key === undefined ? [] : [keys.idempotency(idempotencyScope(input))])]
    const message: StoredMessage = { event, data, publisher: publisherOf(input.publisher) }
    const { historySize, historyTtlMs, idempotencyWindowMs } = this.#options.history
    let reply: Awaited<ReturnType<ScriptCommands['lifelinePublish']>>
    try {
      reply = await commands.lifelinePublish(scriptKeys.length, ...scriptKeys, randomId('', 4), JSON.stringify(message), historySize, historyTtlMs, idempotencyWindowMs, keys.fanout(channel))
    } catch (error) {
      // Stored or not, nobody can say: a retry with the same key settles it either way.
      log('Redis publish failed', error)
      throw unavailable('Redis did not confirm the publish; retry with the same idempotency key')
    }
    const [epoch, offset, duplicate] = reply
    return { position: { epoch, offset }, duplicate: duplicate === 1 }
  }

  /** The channel's position and the publications after `since` (or the last `rewind` ones). */
  async read(channel: string, since?: Position, rewind?: number): Promise<HistoryResult> {
    const { keys, commands, log, history } = this.#options
    let reply: Awaited<ReturnType<ScriptCommands['lifelineHistory']>>
    try {
      reply = await commands.lifelineHistory(
        2,
        keys.meta(channel),
        keys.log(channel),
        randomId('', 4),
        since?.epoch ?? '',
        since?.offset ?? 0,
        history.historyTtlMs,
        since ? 0 : Math.min(rewind ?? 0, history.historySize),
      )
    } catch (error) {
      log('Redis history read failed', error)
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
}
