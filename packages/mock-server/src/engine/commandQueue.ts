import type { EngineContext } from './engineContext'
import { RefusedError } from './refusedError'
import { fail, type Answer, type Reply } from './reply'

/** Runs one command: returns its reply, or passes it to `answer` early and returns `undefined`. */
export type RunCommand = (answer: Answer) => Reply | undefined | Promise<Reply | undefined>

/** The session a queue answers for. */
export interface CommandQueueOwner {
  /** Sends the one reply of command `id`. */
  reply(id: number, reply: Reply): void
  /** Once it is closed, what is still queued is dropped. */
  readonly status: string
  /** Where a command that failed unexpectedly is logged. */
  readonly context: Pick<EngineContext, 'log'>
}

/**
 * Commands run one at a time, and refusals queue behind them, so replies leave in the order the
 * commands arrived. Each gets exactly one reply: what `run` returns, or what it passed to its
 * `answer` early (a subscribe answers before its replay); a failure after that is not answered
 * a second time (the subscribe's replay ends the subscription instead).
 *
 * @note A class that lets go of its promise chain once the queue is empty: an idle session holds
 * the queue's two fields and no settled promise or closures.
 */
export class CommandQueue {
  readonly #owner: CommandQueueOwner
  /** The last queued command's end; `undefined` while nothing is queued. */
  #tail: Promise<void> | undefined
  #queued = 0

  constructor(owner: CommandQueueOwner) {
    this.#owner = owner
  }

  enqueue(id: number, run: RunCommand): void {
    this.#queued += 1
    this.#tail = (this.#tail ?? Promise.resolve()).then(() => this.#run(id, run))
  }

  async #run(id: number, run: RunCommand): Promise<void> {
    let answered = false
    const answer: Answer = (response) => {
      if (answered) return
      answered = true
      this.#owner.reply(id, response)
    }
    try {
      if (this.#owner.status === 'closed') return
      const response = await run(answer)
      if (response) answer(response)
    } catch (error) {
      if (error instanceof RefusedError) return answer({ ok: false, error: error.toBody() })
      this.#owner.context.log?.('command failed', error)
      answer(fail('INTERNAL', 'The server failed to handle this command'))
    } finally {
      this.#queued -= 1
      if (this.#queued === 0) this.#tail = undefined
    }
  }
}
