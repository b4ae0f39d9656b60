/** A request on the shared request channel; every replica answers it, found or not. */
interface RoutedRequest<Envelope> {
  id: string
  /** Replica id of the sender: the answers go to its reply channel. */
  from: string
  session: string
  envelope: Envelope
}

/** An answer: the holder's verdict, or none when the session is not on the answering replica. */
interface RoutedAnswer<Verdict> {
  id: string
  verdict?: Verdict
}

interface PendingRequest<Verdict> {
  /** Answers expected: replicas that received the request, minus the sender itself. */
  expected?: number
  answers: number
  finish(verdict: Verdict): void
}

export interface SessionRouterOptions<Envelope, Verdict> {
  replica: string
  requestChannel: string
  replyChannel(replica: string): string
  /** PUBLISH; resolves with the number of subscribers that received the message. */
  publish(channel: string, message: string): Promise<number>
  /** The handler of a session held by this replica; it may take its time (a held long poll). */
  localHandler(session: string): ((envelope: Envelope) => Promise<Verdict>) | undefined
  /** What the sender gets when every other replica said the session is not theirs. */
  notFound: Verdict
  /** What the sender gets when the holder did not answer in time, or Redis failed. */
  unreachable: Verdict
  log(message: string, error: unknown): void
}

/**
 * Carries a request to the replica that holds a session and its answer back, for answers that may
 * take a while (a long poll is held up to `pollMs` by its holder). A request is broadcast on one
 * channel every replica subscribed to at start-up, and every replica answers: at once when the
 * session is not theirs, once the handler settles when it is. PUBLISH tells how many will answer,
 * so "not found" is known as soon as everyone said no, without waiting for the timeout.
 * Upstream commands (answered at once) and long polls (held) both go this way.
 */
export class SessionRouter<Envelope, Verdict> {
  readonly #options: SessionRouterOptions<Envelope, Verdict>
  readonly #pending = new Map<string, PendingRequest<Verdict>>()
  #nextId = 0

  constructor(options: SessionRouterOptions<Envelope, Verdict>) {
    this.#options = options
  }

  /** Resolves with the holder's verdict, `notFound`, or `unreachable` after `timeoutMs`. */
  route(session: string, envelope: Envelope, timeoutMs: number): Promise<Verdict> {
    const { replica, requestChannel, publish, unreachable } = this.#options
    const id = String(++this.#nextId)
    return new Promise((resolve) => {
      const timer = setTimeout(() => pending.finish(unreachable), timeoutMs)
      const pending: PendingRequest<Verdict> = {
        answers: 0,
        finish: (verdict) => {
          clearTimeout(timer)
          this.#pending.delete(id)
          resolve(verdict)
        },
      }
      this.#pending.set(id, pending)
      const request: RoutedRequest<Envelope> = { id, from: replica, session, envelope }
      // Answers may overtake the PUBLISH reply (they come on the subscriber connection), so the
      // count is applied whenever it arrives.
      publish(requestChannel, JSON.stringify(request)).then(
        (receivers) => {
          pending.expected = receivers - 1
          this.#settleIfAllAnswered(id)
        },
        (error: unknown) => {
          this.#options.log('session routing failed', error)
          pending.finish(unreachable)
        },
      )
    })
  }

  /** A request from any replica (ours included, which is ignored: the broker looked locally first). */
  handleRequest(text: string): void {
    const request = JSON.parse(text) as RoutedRequest<Envelope>
    if (request.from === this.#options.replica) return
    const handler = this.#options.localHandler(request.session)
    if (!handler) return this.#answer(request, { id: request.id })
    handler(request.envelope).then(
      (verdict) => this.#answer(request, { id: request.id, verdict }),
      (error: unknown) => {
        this.#options.log('routed session request failed', error)
        this.#answer(request, { id: request.id, verdict: this.#options.unreachable })
      },
    )
  }

  handleAnswer(text: string): void {
    const answer = JSON.parse(text) as RoutedAnswer<Verdict>
    const pending = this.#pending.get(answer.id)
    if (!pending) return
    if (answer.verdict !== undefined) return pending.finish(answer.verdict)
    pending.answers += 1
    this.#settleIfAllAnswered(answer.id)
  }

  /** Answers every request still in flight (the broker is closing). */
  close(): void {
    for (const pending of [...this.#pending.values()]) pending.finish(this.#options.unreachable)
  }

  #answer(request: RoutedRequest<Envelope>, answer: RoutedAnswer<Verdict>): void {
    this.#options.publish(this.#options.replyChannel(request.from), JSON.stringify(answer)).catch((error: unknown) => this.#options.log('session routing answer failed', error))
  }

  #settleIfAllAnswered(id: string): void {
    const pending = this.#pending.get(id)
    if (pending?.expected !== undefined && pending.answers >= pending.expected) pending.finish(this.#options.notFound)
  }
}
