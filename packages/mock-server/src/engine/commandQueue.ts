import { RefusedError } from './refusedError'
import { fail, type Answer, type Reply } from './reply'

/** Runs one command: returns its reply, or passes it to `answer` early and returns `undefined`. */
export type RunCommand = (answer: Answer) => Reply | undefined | Promise<Reply | undefined>

/**
 * Commands run one at a time, and refusals queue behind them, so replies leave in the order the
 * commands arrived. Each gets exactly one reply: what `run` returns, or what it passed to its
 * `answer` early (a subscribe answers before its replay); a failure after that is not answered
 * a second time (the subscribe's replay ends the subscription instead).
 * @returns `enqueue(id, run)`; `isClosed` drops what is still queued once the session closed
 */
export function commandQueue(reply: (id: number, reply: Reply) => void, isClosed: () => boolean, log: (message: string, error: unknown) => void): (id: number, run: RunCommand) => void {
  let tail: Promise<void> = Promise.resolve()
  return (id, run) => {
    let answered = false
    const answer: Answer = (response) => {
      if (answered) return
      answered = true
      reply(id, response)
    }
    tail = tail
      .then(async () => {
        if (isClosed()) return
        const response = await run(answer)
        if (response) answer(response)
      })
      .catch((error: unknown) => {
        if (error instanceof RefusedError) return answer({ ok: false, error: error.toBody() })
        log('command failed', error)
        answer(fail('INTERNAL', 'The server failed to handle this command'))
      })
  }
}
