import type { Spread } from './spread'

/** A part of RESULTS.md, plus verdicts on the goals it measures and anything that went wrong. */
export interface BenchSection {
  title: string
  markdown: string
  goals: GoalVerdict[]
  /**
   * Contenders that failed, lost messages or did not connect every client. Any of these fails the
   * run (non-zero exit), so a smoke run in CI catches a broken contender.
   */
  failures: string[]
}

/**
 * - `met`: the goal holds for every repetition (beyond the spread).
 * - `missed`: it fails for every repetition.
 * - `unclear`: the spread straddles the goal; neither can be claimed.
 * - `not measured`: the measurement failed or could not run.
 */
export type Verdict = 'met' | 'missed' | 'unclear' | 'not measured'

export interface GoalVerdict {
  goal: string
  /** Target, as the reader compares it. */
  target: string
  measured: string
  verdict: Verdict
}

/** A goal "at most `limit`" on repeated readings: met only when even the worst reading holds. */
export function atMost(spread: Spread | undefined, limit: number): Verdict {
  if (!spread || !Number.isFinite(spread.max) || !Number.isFinite(spread.min)) return 'not measured'
  if (spread.max <= limit) return 'met'
  if (spread.min > limit) return 'missed'
  return 'unclear'
}

/** A goal on one exact reading (a bundle's size does not vary between runs). */
export const atMostExact = (value: number, limit: number): Verdict => (Number.isFinite(value) ? (value <= limit ? 'met' : 'missed') : 'not measured')

export const verdictText = (verdict: Verdict) => (verdict === 'met' ? 'met' : verdict === 'not measured' ? verdict : `**${verdict}**`)
