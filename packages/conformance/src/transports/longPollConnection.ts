import { ROUTES, SESSION_HEADER, type ConnectResult, type ReplyFrame } from '@lifeline/protocol'
import { CaseFailure, check } from '../failure'
import { request, shown, type HttpAnswer } from '../http'
import type { ConnectionOptions } from './connection'
import { HttpConnection, postConnect, type HttpConnectRequest } from './httpConnection'

/** `POST /poll/connect`: the connect command as body, the token in `Authorization`. */
export function requestPollConnect(options: ConnectionOptions, connect: HttpConnectRequest): Promise<HttpAnswer> {
  return postConnect(options, ROUTES.pollConnect.path, connect)
}

/** `POST /poll` with the session header and `{"ack": n}`. */
export function requestPoll(options: ConnectionOptions, { session, token, ack, signal, url = options.pollUrl ?? options.url }: { session: string; token: string | undefined; ack: number; signal?: AbortSignal; url?: string }): Promise<HttpAnswer> {
  return request(options.fetch, `${url}${ROUTES.poll.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SESSION_HEADER]: session, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ ack }),
    timeoutMs: options.pollHoldMs,
    ...(signal ? { signal } : {}),
  })
}

/** The problem with a poll answer's body after `ack`, if any. */
export function batchProblem(body: unknown, ack: number): string | undefined {
  const batch = body as { seq?: unknown; frames?: unknown } | null
  if (!batch || !Number.isSafeInteger(batch.seq) || !Array.isArray(batch.frames)) return 'a poll answers {"seq": <integer>, "frames": [...]}'
  const seq = batch.seq as number
  if (seq !== ack + batch.frames.length) return `frames are numbered per session from 1: after ack ${ack}, ${batch.frames.length} frame(s) must end at seq ${ack + batch.frames.length}, not ${seq}`
  return undefined
}

/** A long-polling session: each poll acknowledges what came before and returns the next batch. */
export class LongPollConnection extends HttpConnection {
  readonly transport = 'long-polling'
  /** `POST /poll/connect`'s answer. */
  opening!: HttpAnswer
  /** Every poll answer, in order (the tests of batching look at them). */
  readonly polls: HttpAnswer[] = []
  #seq = 0

  private constructor(options: ConnectionOptions) {
    super(options)
  }

  /** Opens a session and starts polling; fails the case unless the opening carries an ok connect reply. */
  static async connect(options: ConnectionOptions, { headers = {} }: { headers?: Record<string, string> } = {}): Promise<LongPollConnection> {
    const connection = new LongPollConnection(options)
    const opening = await requestPollConnect(options, { token: options.token, headers })
    connection.opening = opening
    const problem = opening.status === 200 ? batchProblem(opening.body, 0) : `status ${opening.status}`
    const frames = (opening.body as { frames?: { type?: string; id?: number }[] })?.frames
    check(!problem && frames?.[0]?.type === 'reply' && frames[0].id === 1, `POST ${ROUTES.pollConnect.path} with a valid token: expected 200 {"seq":1,"frames":[<connect reply>]}${problem ? ` (${problem})` : ''}`, {
      expected: '200 {"seq":1,"frames":[{"type":"reply","id":1,"ok":true,…}]}',
      received: shown(opening),
    })
    connection.log.sent({ id: 1, type: 'connect' })
    connection.#take(opening.body as { seq: number; frames: unknown[] })
    const reply = connection.log.frames[0] as ReplyFrame
    if (!reply.ok) {
      connection.end({ how: 'connect refused' })
      throw new CaseFailure(`${connection.label}: connect refused with ${reply.error?.code}`, { expected: 'an ok connect reply', received: reply })
    }
    connection.connectResult = reply.result as ConnectResult
    connection.session = String(connection.connectResult.session)
    void connection.#poll()
    return connection
  }

  #take(batch: { seq: number; frames: unknown[] }): void {
    this.#seq = batch.seq
    for (const frame of batch.frames) this.log.receive(JSON.stringify(frame))
  }

  /** Polls until the session ends or the kit closes it. Each turn waits for the server's answer. */
  async #poll(): Promise<void> {
    while (!this.log.ended) {
      let answer: HttpAnswer
      try {
        answer = await requestPoll(this.options, { session: this.session, token: this.token, ack: this.#seq, signal: this.abort.signal })
      } catch (error) {
        return this.end({ how: this.abort.signal.aborted ? 'closed by the kit' : (error as Error).message })
      }
      if (this.abort.signal.aborted) return this.end({ how: 'closed by the kit' })
      this.polls.push(answer)
      const code = (answer.body as { error?: { code?: string } } | null)?.error?.code
      if (answer.status === 404) return this.end({ how: `poll answered 404 ${code ?? ''}` })
      // A token that expired (or was revoked) while the session lived: the session is over for this client.
      if (answer.status === 401) return this.end({ how: `poll answered 401 ${code ?? ''}`, ...(code ? { refusal: code } : {}) })
      const problem = answer.status === 200 ? batchProblem(answer.body, this.#seq) : `poll answered ${answer.status}`
      if (problem) {
        this.log.violate(problem, shown(answer))
        return this.end({ how: problem })
      }
      const batch = answer.body as { seq: number; frames: unknown[] }
      this.#take(batch)
      // An empty batch at once (a newer poll superseded this one, or a server that does not hold):
      // yield a moment rather than spin.
      if (batch.frames.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}
