import { SESSION_NOT_FOUND, type UpstreamEnvelope, type UpstreamVerdict } from '../engine/broker'

/** A request on the shared upstream channel; every replica answers it, found or not. */
interface UpstreamRequest {
  id: string
  /** Replica id of the sender: the answers go to its reply channel. */
  from: string
  session: string
  envelope: UpstreamEnvelope
}

/** An answer: the holder's verdict, or none when the session is not on the answering replica. */
interface UpstreamAnswer {
  id: string
  verdict?: UpstreamVerdict
}

interface PendingRequest {
  /** Answers expected: replicas that received the request, minus the sender itself. */
  expected?: number
  answers: number
  finish(verdict: UpstreamVerdict): void
}

export interface UpstreamRouterOptions {
  replica: string
  requestChannel: string
  replyChannel(replica: string): string
  /** PUBLISH; resolves with the number of subscribers that received the message. */
  publish(channel: string, message: string): Promise<number>
  /** The handler of a session held by this replica. */
  localHandler(session: string): ((envelope: UpstreamEnvelope) => UpstreamVerdict) | undefined
  timeoutMs: number
  log(message: string, error: unknown): void
}

export const REPLICA_TIMEOUT: UpstreamVerdict = {
  accepted: false,
  status: 503,
  error: { code: 'INTERNAL', message: 'The replica holding this session did not answer in time; retry' },
}

/**
 * Routes SSE upstream commands to the replica that holds the stream. A request is broadcast on one
 * channel every replica subscribed to at start-up, and every replica answers; PUBLISH tells how many
 * will. Unlike a channel per session, this has no window in which a brand-new session cannot be
 * reached, and "not found" is known as soon as everyone said no, without waiting for a timeout.
 */
export class UpstreamRouter {
  readonly #options: UpstreamRouterOptions
  readonly #pending = new Map<string, PendingRequest>()
  #nextId = 0

  constructor(options: UpstreamRouterOptions) {
    this.#options = options
  }

  route(session: string, envelope: UpstreamEnvelope): Promise<UpstreamVerdict> {
    const { replica, requestChannel, publish, timeoutMs } = this.#options
    const id = String(++this.#nextId)
    return new Promise((resolve) => {
      const timer = setTimeout(() => pending.finish(REPLICA_TIMEOUT), timeoutMs)
      const pending: PendingRequest = {
        answers: 0,
        finish: (verdict) => {
          clearTimeout(timer)
          this.#pending.delete(id)
          resolve(verdict)
        },
      }
      this.#pending.set(id, pending)
      const request: UpstreamRequest = { id, from: replica, session, envelope }
      // Answers may overtake the PUBLISH reply (they come on the subscriber connection), so the
      // count is applied whenever it arrives.
      publish(requestChannel, JSON.stringify(request)).then(
        (receivers) => {
          pending.expected = receivers - 1
          this.#settleIfAllAnswered(id)
        },
        (error: unknown) => {
          this.#options.log('upstream routing failed', error)
          pending.finish(REPLICA_TIMEOUT)
        },
      )
    })
  }

  /** A request from any replica (ours included, which is ignored: the broker checked locally). */
  handleRequest(text: string): void {
    const request = JSON.parse(text) as UpstreamRequest
    if (request.from === this.#options.replica) return
    const handler = this.#options.localHandler(request.session)
    const answer: UpstreamAnswer = handler ? { id: request.id, verdict: handler(request.envelope) } : { id: request.id }
    this.#options.publish(this.#options.replyChannel(request.from), JSON.stringify(answer)).catch((error: unknown) => this.#options.log('upstream answer failed', error))
  }

  handleAnswer(text: string): void {
    const answer = JSON.parse(text) as UpstreamAnswer
    const pending = this.#pending.get(answer.id)
    if (!pending) return
    if (answer.verdict) return pending.finish(answer.verdict)
    pending.answers += 1
    this.#settleIfAllAnswered(answer.id)
  }

  /** Answers every request still in flight (the broker is closing). */
  close(): void {
    for (const pending of [...this.#pending.values()]) pending.finish(REPLICA_TIMEOUT)
  }

  #settleIfAllAnswered(id: string): void {
    const pending = this.#pending.get(id)
    if (pending?.expected !== undefined && pending.answers >= pending.expected) pending.finish(SESSION_NOT_FOUND)
  }
}
