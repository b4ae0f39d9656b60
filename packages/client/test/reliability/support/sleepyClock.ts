import type { Timers } from '../../../src/index'

interface Pending {
  callback: () => void
  due: number
  real: ReturnType<typeof setTimeout> | undefined
}

/**
 * A clock for one client that can be put to sleep like a laptop lid: while asleep its time stands
 * still and its timers do not fire; on `wake(sleptMs)` its time jumps ahead and every overdue timer
 * fires at once, in due order. Awake, it runs at real speed, so sockets and servers need no fakes.
 */
export function sleepyClock(): { timers: Timers; now: () => number; sleep(): void; wake(sleptMs: number): void } {
  const pending = new Set<Pending>()
  let offset = 0
  let frozenAt: number | undefined
  const now = () => frozenAt ?? Date.now() + offset
  const arm = (entry: Pending) => {
    entry.real = setTimeout(() => {
      pending.delete(entry)
      entry.callback()
    }, Math.max(0, entry.due - now()))
  }
  return {
    now,
    timers: {
      setTimeout(callback, ms) {
        const entry: Pending = { callback, due: now() + ms, real: undefined }
        pending.add(entry)
        if (frozenAt === undefined) arm(entry)
        return entry
      },
      clearTimeout(handle) {
        const entry = handle as Pending | undefined
        if (!entry) return
        clearTimeout(entry.real)
        pending.delete(entry)
      },
    },
    sleep() {
      frozenAt = now()
      for (const entry of pending) clearTimeout(entry.real)
    },
    wake(sleptMs) {
      offset = frozenAt! + sleptMs - Date.now()
      frozenAt = undefined
      for (const entry of [...pending].sort((a, b) => a.due - b.due)) arm(entry)
    },
  }
}
