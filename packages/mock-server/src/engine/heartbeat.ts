import type { Clock } from './clock'

/** One session's heartbeat; see {@link heartbeat}. */
export interface Heartbeat {
  /** The client sent a frame of its own (not a `pong`) now: a beat due within `intervalMs` is skipped. */
  heard(): void
  stop(): void
}

/**
 * Calls `beat` (the `ping` frame and the transport's keepalive) every `intervalMs`, except while the
 * client has sent a frame within the last `intervalMs`: a client that pings on its own already proves
 * both directions, so an idle connection carries about one small frame per interval instead of two.
 * A client that sends nothing is still pinged at every beat, so a dead one is found as before.
 */
export function heartbeat(clock: Clock, intervalMs: number, beat: () => void): Heartbeat {
  let lastHeard = Number.NEGATIVE_INFINITY
  const timer = clock.setInterval(() => {
    if (clock.now() - lastHeard >= intervalMs) beat()
  }, intervalMs)
  return {
    heard: () => {
      lastHeard = clock.now()
    },
    stop: () => clock.clearInterval(timer),
  }
}
