import type { LatencySummary } from './latencyRecorder'
import type { PhaseResult } from './runPhase'
import { median } from './stats'

/**
 * Percentiles over every delivery of every group: each group reports its own latency histogram
 * (0.01 ms buckets), which add up exactly.
 */
export function mergedLatencies(groups: LatencySummary[]): Pick<PhaseResult, 'p50' | 'p99' | 'max' | 'headP50'> {
  const histogram = new Map<number, number>()
  let total = 0
  for (const group of groups) {
    for (const [bucket, count] of group.histogram) {
      histogram.set(bucket, (histogram.get(bucket) ?? 0) + count)
      total += count
    }
  }
  const buckets = [...histogram.keys()].sort((a, b) => a - b)
  const at = (fraction: number) => {
    const rank = Math.max(1, Math.ceil(fraction * total))
    let seen = 0
    for (const bucket of buckets) {
      seen += histogram.get(bucket)!
      if (seen >= rank) return bucket / 100
    }
    return Number.NaN
  }
  const heads = groups.flatMap((group) => group.fastest)
  const fastestPerPublish = new Map<number, number>()
  for (const [seq, latency] of heads) fastestPerPublish.set(seq, Math.min(latency, fastestPerPublish.get(seq) ?? Infinity))
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: total ? buckets[buckets.length - 1]! / 100 : Number.NaN,
    headP50: median([...fastestPerPublish.values()]),
  }
}
