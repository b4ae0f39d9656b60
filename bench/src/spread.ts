import { median } from './stats'
import { fixed } from './markdownTable'

/** Repeated readings of one figure: the median and the range they fell in. */
export interface Spread {
  median: number
  min: number
  max: number
  /** Readings, in the order they were taken. */
  values: number[]
}

/** The spread of `values`, ignoring readings that are not numbers (a failed repetition). */
export function spreadOf(values: number[]): Spread {
  const finite = values.filter(Number.isFinite)
  if (!finite.length) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, values }
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), values }
}

/** `12.3 (11.9–13.0)`: the median, then min–max over the repetitions. */
export function showSpread(spread: Spread | undefined, digits = 2): string {
  if (!spread || !Number.isFinite(spread.median)) return 'n/a'
  if (spread.values.length < 2) return fixed(spread.median, digits)
  return `${fixed(spread.median, digits)} (${fixed(spread.min, digits)}–${fixed(spread.max, digits)})`
}

/** Pairs two series reading by reading (the same repetition) and spreads `combine` of each pair. */
export function pairedSpread(a: number[], b: number[], combine: (a: number, b: number) => number): Spread {
  return spreadOf(a.slice(0, Math.min(a.length, b.length)).map((value, index) => combine(value, b[index]!)))
}
