import { PROTOCOL_VERSION, type CommandType, type ReplyFrame, type ServerFrame } from '@lifeline/protocol'
import { closeAfterTest, eventually, FrameLog, request, type CommandFields, type HttpResult, type Target } from './support'

/** `POST /poll/connect` with the token in `Authorization` and a connect command (or `body`) as the body. */
export function pollConnect(server: Target, token: string | undefined, body: string | object = { id: 1, type: 'connect', v: PROTOCOL_VERSION }): Promise<HttpResult> {
  return request(server, '/poll/connect', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/**
 * A raw long-polling client: `POST /poll/connect`, then `POST /poll` with the seq of the last
 * frame received as `ack`, and commands by `POST /sse/send`. Polls are explicit (`poll()`), or
 * run one after another in the background (`pump()`) until the test ends or the session is gone.
 */
export class PollClient extends FrameLog {
  /** Where polls and commands go: another replica than the one that opened the session, in routing tests. */
  server: Target
  token: string
  session = ''
  /** Sequence number of the last frame received: the next poll's `ack`. */
  seq = 0
  /** Every 200 answer to a poll, in order, as `{seq, frames}`. */
  readonly batches: { seq: number; frames: ServerFrame[] }[] = []
  #nextId = 2
  #pumping: AbortController | undefined

  private constructor(server: Target, token: string) {
    super()
    this.server = server
    this.token = token
  }

  /** Opens a session; resolves once the connect answer arrived (its batch holds the connect reply). */
  static async connect(server: Target, token: string): Promise<PollClient> {
    const answer = await pollConnect(server, token)
    if (answer.status !== 200) throw new Error(`poll connect refused with ${answer.status}: ${JSON.stringify(answer.body)}`)
    const client = new PollClient(server, token)
    client.#record(answer.body)
    const reply = client.frames[0]
    if (reply?.type !== 'reply' || !reply.ok) throw new Error(`connect refused: ${JSON.stringify(reply)}`)
    client.session = (reply.result as { session: string }).session
    closeAfterTest(() => client.stop())
    return client
  }

  /** One poll (default: `ack` of the last frame received); a 200 batch is recorded and moves `seq`. */
  async poll({ ack = this.seq, token = this.token, session = this.session, signal }: { ack?: number; token?: string; session?: string; signal?: AbortSignal } = {}): Promise<HttpResult> {
    const answer = await request(this.server, '/poll', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'lifeline-session': session },
      body: JSON.stringify({ ack }),
      ...(signal ? { signal } : {}),
    })
    if (answer.status === 200) this.#record(answer.body)
    return answer
  }

  /** Polls one after another in the background until `stop()`, a refusal, or 10 000 polls. */
  pump(): void {
    if (this.#pumping) return
    const controller = new AbortController()
    this.#pumping = controller
    void (async () => {
      for (let polls = 0; polls < 10_000 && !controller.signal.aborted; polls++) {
        const answer = await this.poll({ signal: controller.signal }).catch(() => undefined)
        if (answer?.status !== 200) break
      }
    })()
  }

  stop(): void {
    this.#pumping?.abort()
    this.#pumping = undefined
  }

  /** `POST /sse/send` with this client's token and session. */
  post(frame: string | object, { token = this.token, session = this.session }: { token?: string; session?: string } = {}): Promise<HttpResult> {
    return request(this.server, '/sse/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'lifeline-session': session },
      body: typeof frame === 'string' ? frame : JSON.stringify(frame),
    })
  }

  /** Sends a command upstream (must be accepted with 202); resolves with its reply, polling for it unless pumping. */
  async command<T extends CommandType>(type: T, fields: CommandFields<T>): Promise<ReplyFrame> {
    const id = this.#nextId++
    const answer = await this.post({ id, type, ...fields })
    if (answer.status !== 202) throw new Error(`upstream ${type} refused with ${answer.status}: ${JSON.stringify(answer.body)}`)
    if (!this.#pumping) await this.pollUntil((frame) => frame.type === 'reply' && frame.id === id, `reply to command ${id}`)
    return this.reply(id)
  }

  /** Polls (at most 50 times) until a frame for which `predicate` holds has arrived. */
  async pollUntil(predicate: (frame: ServerFrame) => boolean, what: string): Promise<ServerFrame> {
    for (let polls = 0; polls < 50 && !this.frames.some(predicate); polls++) {
      const answer = await this.poll()
      if (answer.status !== 200) throw new Error(`poll refused with ${answer.status} while waiting for ${what}: ${JSON.stringify(answer.body)}`)
    }
    return eventually(() => {
      const found = this.frames.find(predicate)
      if (!found) throw new Error(`No frame ${what} after 50 polls; received: ${this.describe()}`)
      return found
    })
  }

  #record(body: { seq: number; frames: ServerFrame[] }): void {
    this.batches.push(body)
    this.frames.push(...body.frames)
    this.seq = body.seq
  }
}
