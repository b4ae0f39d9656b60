/**
 * Collects unhandled promise rejections from the moment it is called: a Redis failure must never
 * leave one behind. `stop()` detaches and returns what was caught (the test expects none).
 */
export function collectUnhandledRejections(): { stop(): unknown[] } {
  const caught: unknown[] = []
  const collect = (reason: unknown) => caught.push(reason)
  process.on('unhandledRejection', collect)
  return {
    stop() {
      process.off('unhandledRejection', collect)
      return caught
    },
  }
}
