/** One thing to close when the process stops. */
export interface StopStep {
  /** What it is, as the message names it: "the server", "the Redis broker". */
  name: string
  close(): Promise<void>
}

export interface StopOutcome {
  /** The exit code: 0 when every step closed, 1 otherwise. */
  code: 0 | 1
  /** One line saying what did not close; absent when everything did. */
  problem?: string
}

/**
 * Closes `steps` one after the other and settles with the exit code, by `deadlineMs` at the latest.
 * A close that never finishes (a Redis that took the connection and never answers) would otherwise
 * keep a stopping process alive until someone sends SIGKILL; past the deadline the outcome names
 * the step still closing. The deadline's timer holds the process up to then, and is cleared as
 * soon as the stop settles.
 */
export function stopWithin(steps: StopStep[], deadlineMs: number): Promise<StopOutcome> {
  let current = steps[0]?.name ?? 'nothing'
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: 1, problem: `Could not stop within ${deadlineMs / 1000} s: ${current} did not close; exiting` }), deadlineMs)
    const run = async () => {
      for (const step of steps) {
        current = step.name
        await step.close()
      }
    }
    run().then(
      () => {
        clearTimeout(timer)
        resolve({ code: 0 })
      },
      (error: unknown) => {
        clearTimeout(timer)
        const reason = error instanceof Error ? error.message : String(error)
        resolve({ code: 1, problem: `Could not stop cleanly: ${current} failed to close (${reason.split('\n')[0]})` })
      },
    )
  })
}
