/**
 * Runs callbacks after a delay read at each call, in the order they came: while a delay is on,
 * they wait in one queue that drains in order, so lowering the delay never lets a later one
 * overtake an earlier one. Timers are the globals, looked up at call time, so fake timers apply.
 */
export function orderedDelay(delayMs: () => number): { later(run: () => void): void; cancel(): void } {
  const queue: { due: number; run: () => void }[] = []
  let timer: ReturnType<typeof setTimeout> | undefined

  const drain = () => {
    timer = undefined
    while (queue.length > 0 && queue[0]!.due <= Date.now()) queue.shift()!.run()
    if (queue.length > 0) timer = setTimeout(drain, queue[0]!.due - Date.now())
  }

  return {
    later(run) {
      const delay = delayMs()
      if (delay <= 0 && queue.length === 0) return run()
      queue.push({ due: Date.now() + Math.max(0, delay), run })
      timer ??= setTimeout(drain, queue[0]!.due - Date.now())
    },
    /** Drops what is still waiting. */
    cancel() {
      queue.length = 0
      clearTimeout(timer)
      timer = undefined
    },
  }
}
