import type { PublishInput } from './broker'

export interface HistoryOptions {
  /**
   * Messages kept per channel for recovery.
   * @default 1000
   */
  historySize?: number
  /**
   * How long a message stays in history, in milliseconds.
   * @default 300_000
   */
  historyTtlMs?: number
  /**
   * How long an idempotency key is remembered, in milliseconds.
   * @default 120_000
   */
  idempotencyWindowMs?: number
}

export const DEFAULT_HISTORY_OPTIONS = {
  historySize: 1000,
  historyTtlMs: 300_000,
  idempotencyWindowMs: 120_000,
} satisfies Required<HistoryOptions>

/**
 * The idempotency scope of a publish: its publisher's keys only. The length prefix keeps any two
 * publishers apart, whatever characters their names hold.
 */
export const idempotencyScope = ({ publisher = 'server', key }: Pick<PublishInput, 'publisher' | 'key'>): string => `${publisher.length}:${publisher}:${key}`
