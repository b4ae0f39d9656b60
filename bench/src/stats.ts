/** The value below which `fraction` of the sorted samples fall (nearest rank). */
function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))
  return sorted[rank]!
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5)
}

/** Monotonic microseconds (CLOCK_MONOTONIC): the same clock in every process of this machine. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** Resolves after `ms` (the only kind of pause the benchmarks use; every wait has a bound). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every `everyMs` until it holds or `timeoutMs` passes; answers whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() >= deadline) return false
    await sleep(everyMs)
  }
  return true
}
