import { SESSION_HEADER, type CommandType, type ReplyFrame, type ServerFrame } from '@lifeline/protocol'
import { closeAfterTest } from './closeAfterTest'
import { FrameLog } from './frameLog'
import { pollConnect, request, sendUpstream, type CommandFields, type HttpResult, type Target } from './request'

/** A 200 answer to a poll: the frames after the ack, and the seq of the last one. */
export interface PollBatch {
  seq: number
  frames: ServerFrame[]
}

/**
 * A hand-driven long-polling session: `POST /poll/connect`, then `POST /poll` with the seq of the
 * last frame received as `ack`, and commands by `POST /sse/send`. Polls are explicit (`poll()`), or
 * run one after another in the background (`pump()`) until the test ends or the session is gone.
 * @example
 * const client = await PollClient.connect(server, token)
 * await client.command('subscribe', { channel: 'board:1' }) // polls until the reply arrives
 */
export class PollClient extends FrameLog {
  /** Where polls and commands go: another replica than the one that opened the session, in routing tests. */
  server: Target
  token: string
  session = ''
  /** Sequence number of the last frame received: the next poll's `ack`. */
  seq = 0
  /** Every 200 answer to a poll, in order. */
  readonly batches: PollBatch[] = []
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
    client.#recordBatch(answer.body)
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
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [SESSION_HEADER]: session },
      body: JSON.stringify({ ack }),
      ...(signal ? { signal } : {}),
    })
    if (answer.status === 200) this.#recordBatch(answer.body)
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

  /** `POST /sse/send` with this client's token and session (or others'). */
  post(frame: string | object, { token = this.token, session = this.session }: { token?: string; session?: string } = {}): Promise<HttpResult> {
    return sendUpstream(this.server, frame, { token, session })
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
    return this.frame(predicate, `${what} after 50 polls`)
  }

  #recordBatch(body: PollBatch): void {
    this.batches.push(body)
    for (const frame of body.frames) this.record(frame)
    this.seq = body.seq
  }
}
