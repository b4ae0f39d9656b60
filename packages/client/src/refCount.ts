import { noop } from './timers'

/**
 * Holders of one resource. Calling it takes a hold and cancels a pending release, so a holder
 * that comes back within the grace (React StrictMode's unmount and remount, a route change) finds
 * the resource still there. It returns the hold's release; calling that twice counts once.
 */
export interface RefCount {
  (): () => void
  /** How many holds are taken and not yet released (read only). */
  size: number
}

/** When a release happens: `schedule` runs a callback after `ms` and returns its cancel. */
export interface RefCountTiming {
  releaseGraceMs: number
  schedule(callback: () => void, ms: number): () => void
}

/**
 * Counts holds on a resource and calls `release` once none is left for `releaseGraceMs`. Channels
 * count their `subscribe()` calls with it, and @lifeline/react's provider the mounts of one client.
 * @example
 * const hold = refCount(() => client.disconnect(), { releaseGraceMs: 1000, schedule })
 * const release = hold()
 * release() // disconnects in 1 s, unless hold() is called again before
 * @note Exported for @lifeline/react's provider, which counts the mounts of one client with it
 * (a small utility, not needed to use the client). It is public, not internal, because
 * the provider compiles against the client's published types.
 */
export function refCount(release: () => void, timing: RefCountTiming): RefCount {
  let cancel = noop
  const hold: RefCount = () => {
    hold.size++
    cancel()
    let held = true
    return () => {
      if (held && ((held = false), !--hold.size)) cancel = timing.schedule(release, timing.releaseGraceMs)
    }
  }
  hold.size = 0
  return hold
}
