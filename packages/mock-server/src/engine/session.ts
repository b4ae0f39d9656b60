import {
  CloseCode,
  parseCommand,
  PROTOCOL_VERSION,
  type ClientFrame,
  type Command,
  type ErrorBody,
  type ErrorCode,
  type Position,
  type ResultMap,
  type ServerFrame,
  type SubscribeCommand,
  type TransportName,
} from '@lifeline/protocol'
import { AuthError, type Claims } from './auth'
import type { PresenceChange, PresenceSnapshot, Publication, UpstreamEnvelope, UpstreamVerdict } from './broker'
import type { EngineContext } from './engineContext'
import { RefusedError } from './refusedError'
import { rateLimiter } from './rateLimiter'
import { randomId } from './randomId'

/** The engine's view of one transport connection: the Node server and the MSW handlers provide it. */
export interface Link {
  readonly transport: TransportName
  /**
   * Sends one frame, serialized as `text` (the frame itself is there for SSE `id:` lines). Every
   * subscriber of a publication gets the same `message` frame object and text in a row, so a link
   * may cache its own encoding of them keyed by the frame.
   */
  send(text: string, frame: ServerFrame): void
  /** Bytes accepted by `send` but not yet written to the network. */
  bufferedBytes(): number
  /** Ends the connection; `code` is the protocol close code. */
  close(code: number, reason: string): void
  /** Called before each heartbeat `ping` frame, for transport-level keepalive (SSE comment line). */
  keepalive?(): void
}

export type SessionStatus = 'connecting' | 'open' | 'closed'

interface Subscription {
  /** Last position delivered to this client. */
  last?: Position
  /** Live publications held back while history is read; `undefined` once live (the reply went out). */
  pending?: Publication[]
  unsubscribe?: () => void
  /** Why the server ended it before the subscribe was answered: that answer carries it. */
  ended?: ErrorBody
  /** Set when the subscription joined the channel's presence. */
  presence?: {
    /** Changes held back until the snapshot is sent; `undefined` once it was. */
    queue?: PresenceChange[]
    /** The version of the last change the client has (first the snapshot's): older ones are in it already. */
    version: number
  }
}

/** Answers the command being run; only the first answer of a command goes out. */
type Answer = (reply: Reply) => void

/**
 * How many rate-limited commands within {@link FLOOD_WINDOW_MS} turn a flood into a disconnect. A
 * window rather than "in a row": a flooder gets a command through at every bucket refill, and that
 * must not wipe its record.
 */
const FLOOD_REJECTIONS = 1000
const FLOOD_WINDOW_MS = 10_000

type Reply = { ok: true; result: ResultMap[keyof ResultMap] } | { ok: false; error: ErrorBody }

const fail = (code: ErrorCode, message: string, retryAfterMs?: number): Reply => ({
  ok: false,
  error: { code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
})

/**
 * Where a subscription without recovery starts: the channel's position, or just before the first
 * live publication that arrived while history was being read, so that one is delivered too.
 */
function startOf(position: Position, pending: Publication[]): Position {
  const first = pending[0]?.pos
  return first && first.epoch === position.epoch && first.offset <= position.offset ? { epoch: first.epoch, offset: first.offset - 1 } : position
}

/** One client connection: its handshake, subscriptions, limits, token lifetime and heartbeat. */
export class Session {
  readonly id = randomId('s_')
  status: SessionStatus = 'connecting'
  claims?: Claims
  readonly subscriptions = new Map<string, Subscription>()
  readonly #link: Link
  readonly #context: EngineContext
  readonly #limiter
  #flood = { since: 0, rejected: 0 }
  /** Whether a `connect` arrived; commands queued behind it run once it is answered. */
  #connectReceived = false
  #queue: Promise<void> = Promise.resolve()
  #timers: unknown[] = []
  #bufferCheckPending = false
  #heartbeat: unknown
  #expiry: unknown
  #unregister?: () => void

  constructor(link: Link, context: EngineContext) {
    this.#link = link
    this.#context = context
    this.#limiter = rateLimiter(context.options.rateLimit, context.clock)
    context.metrics.connections[link.transport] += 1
    if (link.transport === 'websocket') {
      this.#timers.push(
        context.clock.setTimeout(() => {
          if (this.status === 'connecting') this.disconnect(CloseCode.CONNECT_TIMEOUT, 'no connect frame in time')
        }, context.options.connectTimeoutMs),
      )
    }
  }

  get transport(): Link['transport'] {
    return this.#link.transport
  }

  /** A frame from the client (WebSocket message). Never throws. */
  receive(text: string): void {
    if (this.status === 'closed') return
    this.#context.metrics.messagesIn += 1
    const parsed = parseCommand(text, this.#context.options.maxFrameBytes)
    // Every frame costs a token, malformed ones and pongs included: otherwise garbage floods for free.
    const wait = this.#limiter.take()
    if (wait > 0) {
      this.#rateLimited(parsed.ok ? ('id' in parsed.frame ? parsed.frame.id : undefined) : parsed.id, wait)
      return
    }
    if (!parsed.ok) {
      this.#context.metrics.error(parsed.error.code)
      if (parsed.id === undefined) this.#send({ type: 'error', error: parsed.error })
      else this.#send({ type: 'reply', id: parsed.id, ok: false, error: parsed.error })
      return
    }
    this.#accept(parsed.frame)
  }

  /** An upstream command (SSE, long-polling) routed here by the broker. */
  upstream({ subject, frame }: UpstreamEnvelope): UpstreamVerdict {
    if (this.status !== 'open') return { accepted: false, status: 404, error: { code: 'SESSION_NOT_FOUND', message: 'Session is closed' } }
    if (subject !== this.claims?.sub) {
      this.#context.metrics.error('FORBIDDEN')
      return { accepted: false, status: 403, error: { code: 'FORBIDDEN', message: 'This session belongs to another user' } }
    }
    if (frame.type === 'connect') return { accepted: false, status: 400, error: { code: 'ALREADY_CONNECTED', message: 'Session is already connected' } }
    this.#context.metrics.messagesIn += 1
    const wait = frame.type === 'pong' ? 0 : this.#limiter.take()
    if (wait > 0) {
      this.#context.metrics.error('RATE_LIMITED')
      return { accepted: false, status: 429, error: { code: 'RATE_LIMITED', message: 'Too many commands', retryAfterMs: wait } }
    }
    if (frame.type !== 'pong') this.#enqueue(frame.id, (answer) => this.#run(frame, answer))
    return { accepted: true }
  }

  /** Completes a handshake that was authenticated out of band (SSE ticket). */
  establish(claims: Claims, connectId: number): void {
    this.#open(claims, (reply) => this.#reply(connectId, reply))
  }

  /** The handshake's end: the session is open, and `answer` gets the connect reply. */
  #open(claims: Claims, answer: Answer): void {
    if (this.status !== 'connecting') return
    this.status = 'open'
    this.claims = claims
    // SSE and long-polling send their commands by POST, which may land on any replica.
    if (this.#link.transport !== 'websocket') this.#unregister = this.#context.broker.registerSession(this.id, (envelope) => this.upstream(envelope))
    this.#scheduleExpiry(claims)
    const heartbeatMs = this.#context.options.heartbeatMs
    this.#heartbeat = this.#context.clock.setInterval(() => {
      this.#link.keepalive?.()
      this.#send({ type: 'ping' })
    }, heartbeatMs)
    const expiresInMs = this.#expiresInMs(claims)
    answer({ ok: true, result: { session: this.id, heartbeatMs, ...(expiresInMs === undefined ? {} : { expiresInMs }) } })
    this.#context.opened(this)
  }

  /** Sends disconnect advice, closes the transport and releases everything. Idempotent. */
  disconnect(code: number, reason: string, retryAfterMs?: number): void {
    if (this.status === 'closed') return
    if (code !== CloseCode.NORMAL) this.#send({ type: 'disconnect', code, reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })
    this.#release()
    this.#link.close(code, reason)
  }

  /** The transport closed under us (client went away). */
  closed(): void {
    this.#release()
  }

  /** Fault injection: behave as if the token expired now. */
  expireToken(): void {
    this.disconnect(CloseCode.TOKEN_EXPIRED, 'token expired')
  }

  deliver(channel: string, publication: Publication): void {
    const subscription = this.subscriptions.get(channel)
    if (!subscription) return
    if (subscription.pending) {
      subscription.pending.push(publication)
      return
    }
    const last = subscription.last
    // A replica that hears a message twice, or a replay racing the live feed, must not repeat it.
    if (last && last.epoch === publication.pos.epoch && publication.pos.offset <= last.offset) return
    let message
    try {
      message = this.#context.frames.of(channel, publication)
    } catch (error) {
      // Payloads are checked at the door, so only a broker with foreign data gets here; skipping the
      // message would be a silent loss, so the subscription ends and the client hears why.
      this.#context.log?.(`message ${publication.pos.epoch}:${publication.pos.offset} of ${channel} cannot be encoded`, error)
      this.#end(channel, subscription, { code: 'INTERNAL', message: `A message of ${channel} could not be sent; subscribe again` })
      return
    }
    subscription.last = publication.pos
    this.#send(message.frame, message.text)
  }

  /**
   * Ends `subscription` from the server's side (the broker lost its fan-out, a message could not be
   * sent, the user lost the right): an `unsubscribed` frame tells the client, which subscribes again
   * from its position, or, before the subscribe was answered, that answer carries the error.
   */
  #end(channel: string, subscription: Subscription, error: ErrorBody): void {
    if (this.subscriptions.get(channel) !== subscription) return
    this.subscriptions.delete(channel)
    subscription.unsubscribe?.()
    if (subscription.pending) {
      subscription.ended = error
      return
    }
    this.#context.metrics.error(error.code)
    this.#send({ type: 'unsubscribed', channel, error })
  }

  #accept(frame: ClientFrame): void {
    if (frame.type === 'pong') return
    if (frame.type === 'connect') this.#connectReceived = true
    // Commands pipelined behind `connect` are fine: the queue runs them after it (or drops them when it fails).
    else if (!this.#connectReceived) {
      this.#reply(frame.id, fail('NOT_CONNECTED', 'Send connect first'))
      this.disconnect(CloseCode.BAD_PROTOCOL, 'command before connect')
      return
    }
    this.#enqueue(frame.id, (answer) => this.#run(frame, answer))
  }

  /**
   * A frame over the rate: a command gets `RATE_LIMITED` in its turn; a frame without an id gets no
   * answer (answering garbage would amplify a flood), only the metric.
   */
  #rateLimited(id: number | undefined, wait: number): void {
    if (this.#isFlooding()) this.disconnect(CloseCode.RATE_LIMITED, 'command flood', 5000)
    else if (id === undefined) this.#context.metrics.error('RATE_LIMITED')
    else this.#enqueue(id, () => fail('RATE_LIMITED', 'Too many commands', wait))
  }

  /** Counts one rate-limited frame; `true` once they reach the flood threshold within the window. */
  #isFlooding(): boolean {
    const now = this.#context.clock.now()
    if (now - this.#flood.since > FLOOD_WINDOW_MS) this.#flood = { since: now, rejected: 0 }
    this.#flood.rejected += 1
    return this.#flood.rejected >= FLOOD_REJECTIONS
  }

  /**
   * Commands run one at a time, and refusals queue behind them, so replies leave in the order the
   * commands arrived. Each gets exactly one reply: what `run` returns, or what it passed to its
   * `answer` early (a subscribe answers before its replay); a failure after that is not answered
   * a second time (the subscribe's replay ends the subscription instead).
   */
  #enqueue(id: number, run: (answer: Answer) => Reply | undefined | Promise<Reply | undefined>): void {
    let answered = false
    const answer: Answer = (reply) => {
      if (answered) return
      answered = true
      this.#reply(id, reply)
    }
    this.#queue = this.#queue
      .then(async () => {
        if (this.status === 'closed') return
        const reply = await run(answer)
        if (reply) answer(reply)
      })
      .catch((error: unknown) => {
        if (error instanceof RefusedError) return answer({ ok: false, error: error.toBody() })
        this.#context.log?.('command failed', error)
        answer(fail('INTERNAL', 'The server failed to handle this command'))
      })
  }

  async #run(command: Command, answer: Answer): Promise<Reply | undefined> {
    switch (command.type) {
      case 'connect':
        await this.#connect(command.v, command.token, answer)
        return undefined
      case 'ping':
        return { ok: true, result: {} }
      case 'refresh':
        return this.#refresh(command.token)
      case 'subscribe':
        return this.#subscribe(command, answer)
      case 'unsubscribe': {
        const subscription = this.subscriptions.get(command.channel)
        if (!subscription) return fail('NOT_SUBSCRIBED', `Not subscribed to ${command.channel}`)
        this.subscriptions.delete(command.channel)
        subscription.unsubscribe?.()
        return { ok: true, result: {} }
      }
      case 'publish': {
        if (!this.#context.authorize(this.claims!, command.channel, 'publish')) return fail('FORBIDDEN', `Not allowed to publish to ${command.channel}`)
        const { channel, event, data, key } = command
        return { ok: true, result: await this.#context.publish({ channel, event, data, key, publisher: `user:${this.claims!.sub}` }) }
      }
    }
  }

  async #connect(version: number, token: string | undefined, answer: Answer): Promise<void> {
    if (this.status !== 'connecting') {
      answer(fail('ALREADY_CONNECTED', 'Already connected'))
      return
    }
    if (version !== PROTOCOL_VERSION) {
      answer(fail('UNSUPPORTED_VERSION', `Protocol version ${version} is not supported; this server speaks ${PROTOCOL_VERSION}`))
      this.disconnect(CloseCode.BAD_PROTOCOL, 'unsupported protocol version')
      return
    }
    try {
      if (token === undefined) throw new AuthError('UNAUTHORIZED', 'connect needs a token')
      this.#open(await this.#context.verify(token), answer)
    } catch (error) {
      if (!(error instanceof AuthError)) throw error
      answer({ ok: false, error: error.toBody() })
      this.disconnect(error.code === 'TOKEN_EXPIRED' ? CloseCode.TOKEN_EXPIRED : CloseCode.UNAUTHORIZED, error.message)
    }
  }

  async #refresh(token: string): Promise<Reply> {
    let claims: Claims
    try {
      claims = await this.#context.verify(token)
    } catch (error) {
      if (error instanceof AuthError) return { ok: false, error: error.toBody() }
      throw error
    }
    if (claims.sub !== this.claims?.sub) return fail('FORBIDDEN', 'A refresh token must belong to the same user')
    this.claims = claims
    this.#scheduleExpiry(claims)
    // The new token may carry fewer roles: a subscription it no longer allows ends here, told.
    for (const [channel, subscription] of [...this.subscriptions]) {
      const allowed = this.#context.authorize(claims, channel, subscription.presence ? 'presence' : 'subscribe')
      if (!allowed) this.#end(channel, subscription, { code: 'FORBIDDEN', message: `The refreshed token may not subscribe to ${channel}${subscription.presence ? ' with presence' : ''}` })
    }
    const expiresInMs = this.#expiresInMs(claims)
    return { ok: true, result: expiresInMs === undefined ? {} : { expiresInMs } }
  }

  async #subscribe({ channel, since, rewind, presence }: SubscribeCommand, answer: Answer): Promise<Reply | undefined> {
    const { broker, options, authorize } = this.#context
    if (this.subscriptions.has(channel)) return fail('ALREADY_SUBSCRIBED', `Already subscribed to ${channel}`)
    if (this.subscriptions.size >= options.maxSubscriptions) return fail('TOO_MANY_SUBSCRIPTIONS', `At most ${options.maxSubscriptions} subscriptions per connection`)
    if (!authorize(this.claims!, channel, 'subscribe')) return fail('FORBIDDEN', `Not allowed to subscribe to ${channel}`)
    if (presence && !authorize(this.claims!, channel, 'presence')) return fail('FORBIDDEN', `Not allowed to see the presence of ${channel}`)
    // Checked like a payload, before anything is joined: refused with BAD_REQUEST.
    const data = presence && 'data' in presence ? { data: this.#context.presenceData(presence.data) } : {}
    // Live first, history second, then merge by offset: nothing published in between is lost. The
    // same for presence: changes heard while the snapshot is read are sorted out by version.
    const subscription: Subscription = { pending: [], ...(presence ? { presence: { queue: [], version: 0 } } : {}) }
    this.subscriptions.set(channel, subscription)
    try {
      const stop = await broker.subscribe(
        channel,
        (publication) => this.deliver(channel, publication),
        (error) => this.#end(channel, subscription, error),
        presence ? (change) => this.#presenceChanged(channel, subscription, change) : undefined,
      )
      subscription.unsubscribe = stop
      let snapshot: PresenceSnapshot | undefined
      if (presence) {
        // Leaving is part of unsubscribing from here on, so a join that fails or is overtaken by the
        // end of the session still leaves (the broker retries a leave it cannot tell at once).
        subscription.unsubscribe = () => {
          stop()
          broker.leavePresence(channel, this.id)
        }
        await broker.joinPresence({ channel, connection: this.id, sub: this.claims!.sub, ...data })
        snapshot = await broker.presence(channel)
      }
      // `rewind` is for a first subscription: with `since` the client resumes after what it has.
      const history = await broker.history(channel, since, since ? undefined : rewind)
      if (this.status === 'closed' || subscription.ended) {
        subscription.unsubscribe()
        return subscription.ended && { ok: false, error: subscription.ended }
      }
      const pending = subscription.pending ?? []
      subscription.pending = undefined
      // Recovered: the replay follows `since`. An epoch the channel no longer has, with the current
      // one held whole: that is replayed from its start; a rewind from its first message. Otherwise
      // live from the latest position.
      subscription.last = since && history.recovered ? since : (history.replayFrom ?? startOf(history.position, pending))
      answer({ ok: true, result: { position: subscription.last, recovered: history.recovered, ...(snapshot ? { presence: snapshot.members } : {}) } })
      for (const publication of [...history.publications, ...pending]) this.deliver(channel, publication)
      if (snapshot && subscription.presence) {
        const queued = subscription.presence.queue ?? []
        subscription.presence = { version: snapshot.version }
        for (const change of queued) this.#presenceChanged(channel, subscription, change)
      }
      return undefined
    } catch (error) {
      if (this.subscriptions.get(channel) === subscription) this.subscriptions.delete(channel)
      subscription.unsubscribe?.()
      throw error
    }
  }

  /** A change of the presence of `channel`: held back until the snapshot went out, then sent unless the snapshot has it. */
  #presenceChanged(channel: string, subscription: Subscription, { action, member, version }: PresenceChange): void {
    const presence = subscription.presence
    if (this.subscriptions.get(channel) !== subscription || !presence) return
    if (presence.queue) return void presence.queue.push({ action, member, version })
    if (version <= presence.version) return
    presence.version = version
    this.#send({ type: 'presence', channel, action, member })
  }

  #scheduleExpiry(claims: Claims): void {
    const { clock } = this.#context
    clock.clearTimeout(this.#expiry)
    const expiresInMs = this.#expiresInMs(claims)
    if (expiresInMs !== undefined) this.#expiry = clock.setTimeout(() => this.expireToken(), expiresInMs)
  }

  #expiresInMs(claims: Claims): number | undefined {
    return claims.exp === undefined ? undefined : Math.max(0, claims.exp * 1000 - this.#context.clock.now())
  }

  #reply(id: number, reply: Reply): void {
    if (!reply.ok) this.#context.metrics.error(reply.error.code)
    this.#send(reply.ok ? { type: 'reply', id, ok: true, result: reply.result } : { type: 'reply', id, ok: false, error: reply.error })
  }

  /** Sends `frame`; `text` is its JSON when already serialized (a publication's shared frame). */
  #send(frame: ServerFrame, text?: string): void {
    if (this.status === 'closed') return
    this.#link.send(text ?? JSON.stringify(frame), frame)
    this.#context.metrics.messagesOut += 1
    if (this.#bufferCheckPending) return
    this.#bufferCheckPending = true
    this.#context.bufferWatch.afterTurn(this.#checkBuffer)
  }

  /** After the turn that sent (see `SendBufferWatch`): a send buffer still over the limit is a slow consumer. */
  readonly #checkBuffer = (): void => {
    this.#bufferCheckPending = false
    if (this.status === 'closed' || this.#link.bufferedBytes() <= this.#context.options.maxBufferedBytes) return
    this.#context.metrics.error('SLOW_CONSUMER')
    this.#release()
    this.#link.close(CloseCode.SLOW_CONSUMER, 'send buffer full')
  }

  #release(): void {
    if (this.status === 'closed') return
    const wasOpen = this.status === 'open'
    this.status = 'closed'
    const { clock, metrics } = this.#context
    for (const timer of this.#timers) clock.clearTimeout(timer)
    clock.clearTimeout(this.#expiry)
    clock.clearInterval(this.#heartbeat)
    for (const subscription of this.subscriptions.values()) subscription.unsubscribe?.()
    this.subscriptions.clear()
    this.#unregister?.()
    metrics.connections[this.#link.transport] -= 1
    this.#context.closed(this, wasOpen)
  }
}
