import { CloseCode, parseCommand, type ClientFrame, type ServerFrame } from '@lifeline/protocol'
import type { Claims } from './auth'
import type { Publication, UpstreamEnvelope, UpstreamVerdict } from './broker'
import type { EngineContext } from './engineContext'
import { CommandQueue } from './commandQueue'
import { FloodGuard } from './floodGuard'
import type { Outlet } from './outlet'
import { randomId } from './randomId'
import { RateLimiter } from './rateLimiter'
import { runCommand } from './runCommand'
import { fail, type Answer, type Reply } from './reply'
import { deliver, type Subscription } from './subscription'

export type SessionStatus = 'connecting' | 'open' | 'closed'

/**
 * One client connection: its handshake, subscriptions, limits, token lifetime and heartbeat.
 *
 * @note Thousands of these sit idle at once, so a session keeps its state in fields and small
 * objects whose methods live on their prototypes, not in closures made per session; what only
 * some sessions need (the flood count) is made when first needed, and what only the handshake
 * needs (the connect timer) is let go once it is done.
 *
 * No `implements` clause for what the heartbeat, command queue, send-buffer watch and token expiry
 * call: those methods are internal, stripped from the published types, where the clause would be
 * false. Each of them checks the session's shape where it takes it.
 */
export class Session {
  readonly id = randomId('s_')
  status: SessionStatus = 'connecting'
  claims?: Claims
  readonly subscriptions = new Map<string, Subscription>()
  /** @internal What the engine shares with its sessions; the subscription commands use it too. */
  readonly context: EngineContext
  readonly #outlet: Outlet
  readonly #limiter: RateLimiter
  /** Made at the first rate-limited frame: most sessions never see one. */
  #flood: FloodGuard | undefined
  /** Whether a `connect` arrived; commands queued behind it run once it is answered. */
  #connectReceived = false
  /** Commands in arrival order, each answered once. */
  readonly #commands: CommandQueue
  /** Until the handshake ends, one way or the other: then cleared, so an open session holds no timer for it. */
  #connectTimer: unknown
  #bufferCheckPending = false
  /** When the client last sent a frame of its own (a `pong` does not count): a heartbeat due sooner than an interval after it is skipped. */
  #lastHeard = Number.NEGATIVE_INFINITY
  /** The `exp` of the token whose expiry is scheduled (see `TokenExpiry`). */
  #tokenExp: number | undefined
  #unregister?: () => void

  constructor(outlet: Outlet, context: EngineContext) {
    this.#outlet = outlet
    this.context = context
    this.#limiter = new RateLimiter(context.options.rateLimit, context.clock)
    this.#commands = new CommandQueue(this)
    context.metrics.connections[outlet.transport] += 1
    if (outlet.transport === 'websocket') this.#connectTimer = context.clock.setTimeout(() => this.#connectTimedOut(), context.options.connectTimeoutMs)
  }

  #connectTimedOut(): void {
    this.#connectTimer = undefined
    if (this.status === 'connecting') this.disconnect(CloseCode.CONNECT_TIMEOUT, 'no connect frame in time')
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer === undefined) return
    this.context.clock.clearTimeout(this.#connectTimer)
    this.#connectTimer = undefined
  }

  get transport(): Outlet['transport'] {
    return this.#outlet.transport
  }

  /** @internal The engine's heartbeat: a beat is due; skipped while the client sent a frame of its own within the interval. */
  heartbeatDue(now: number): void {
    if (this.status !== 'open' || now - this.#lastHeard < this.context.options.heartbeatMs) return
    this.#outlet.keepalive?.()
    this.send({ type: 'ping' })
  }

  /** A frame from the client (WebSocket message). Never throws. */
  receive(text: string): void {
    if (this.status === 'closed') return
    this.context.metrics.messagesIn += 1
    const parsed = parseCommand(text, this.context.options.maxFrameBytes)
    // A pong answers our ping: counting it would skip every other beat of a client that only answers.
    if (!parsed.ok || parsed.frame.type !== 'pong') this.#lastHeard = this.context.clock.now()
    // Every frame costs a token, malformed ones and pongs included: otherwise garbage floods for free.
    const wait = this.#limiter.take()
    if (wait > 0) {
      this.#rateLimited(parsed.ok ? ('id' in parsed.frame ? parsed.frame.id : undefined) : parsed.id, wait)
      return
    }
    if (!parsed.ok) {
      const { id, error } = parsed
      if (id === undefined) {
        this.context.metrics.error(error.code)
        this.send({ type: 'error', error })
      }
      // In its turn, like any reply: answered at once it overtook the replies of the commands
      // before it (a connect still checking its token, a subscribe still replaying).
      else this.#commands.enqueue(id, () => ({ ok: false, error }))
      return
    }
    this.#accept(parsed.frame)
  }

  /** An upstream command (SSE, long-polling) routed here by the broker. */
  upstream({ subject, frame }: UpstreamEnvelope): UpstreamVerdict {
    if (this.status !== 'open') return { accepted: false, status: 404, error: { code: 'SESSION_NOT_FOUND', message: 'Session is closed' } }
    if (subject !== this.claims?.sub) {
      this.context.metrics.error('FORBIDDEN')
      return { accepted: false, status: 403, error: { code: 'FORBIDDEN', message: 'This session belongs to another user' } }
    }
    if (frame.type === 'connect') return { accepted: false, status: 400, error: { code: 'ALREADY_CONNECTED', message: 'Session is already connected' } }
    this.context.metrics.messagesIn += 1
    if (frame.type !== 'pong') this.#lastHeard = this.context.clock.now()
    const wait = frame.type === 'pong' ? 0 : this.#limiter.take()
    if (wait > 0) {
      this.context.metrics.error('RATE_LIMITED')
      return { accepted: false, status: 429, error: { code: 'RATE_LIMITED', message: 'Too many commands', retryAfterMs: wait } }
    }
    if (frame.type !== 'pong') this.#commands.enqueue(frame.id, (answer) => runCommand(this, frame, answer))
    return { accepted: true }
  }

  /** Completes a handshake that was authenticated out of band (SSE ticket). */
  establish(claims: Claims, connectId: number): void {
    this.open(claims, (reply) => this.reply(connectId, reply))
  }

  /** @internal The handshake's end: the session is open, and `answer` gets the connect reply. */
  open(claims: Claims, answer: Answer): void {
    if (this.status !== 'connecting') return
    this.status = 'open'
    this.claims = claims
    this.#clearConnectTimer()
    // SSE and long-polling send their commands by POST, which may land on any replica.
    if (this.#outlet.transport !== 'websocket') this.#unregister = this.context.broker.registerSession(this.id, (envelope) => this.upstream(envelope))
    const expiresInMs = this.scheduleExpiry(claims)
    const heartbeatMs = this.context.options.heartbeatMs
    this.context.heartbeat.add(this)
    answer({ ok: true, result: { session: this.id, heartbeatMs, ...(expiresInMs === undefined ? {} : { expiresInMs }) } })
    this.context.opened(this)
  }

  /** Sends disconnect advice, closes the transport and releases everything. Idempotent. */
  disconnect(code: number, reason: string, retryAfterMs?: number): void {
    if (this.status === 'closed') return
    if (code !== CloseCode.NORMAL) this.send({ type: 'disconnect', code, reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })
    this.#release()
    this.#outlet.close(code, reason)
  }

  /** The transport closed under us (client went away). */
  closed(): void {
    this.#release()
  }

  /** @internal The token of `claims` replaces the one whose expiry was scheduled; returns the ms it has left, or `undefined` without `exp`. */
  scheduleExpiry(claims: Claims): number | undefined {
    const previous = this.#tokenExp
    this.#tokenExp = claims.exp
    return this.context.tokenExpiry.schedule(this, claims.exp, previous)
  }

  /** Fault injection: behave as if the token expired now. */
  expireToken(): void {
    this.disconnect(CloseCode.TOKEN_EXPIRED, 'token expired')
  }

  #accept(frame: ClientFrame): void {
    if (frame.type === 'pong') return
    if (frame.type === 'connect') this.#connectReceived = true
    // Commands pipelined behind `connect` are fine: the queue runs them after it (or drops them when it fails).
    else if (!this.#connectReceived) {
      this.reply(frame.id, fail('NOT_CONNECTED', 'Send connect first'))
      this.disconnect(CloseCode.BAD_PROTOCOL, 'command before connect')
      return
    }
    this.#commands.enqueue(frame.id, (answer) => runCommand(this, frame, answer))
  }

  /** A publication of `channel` for this session (from the broker, or a replay). */
  deliver(channel: string, publication: Publication): void {
    deliver(this, channel, publication)
  }

  /**
   * A frame over the rate: a command gets `RATE_LIMITED` in its turn; a frame without an id gets no
   * answer (answering garbage would amplify a flood), only the metric.
   */
  #rateLimited(id: number | undefined, wait: number): void {
    this.#flood ??= new FloodGuard(this.context.clock)
    if (this.#flood.isFlooding()) this.disconnect(CloseCode.RATE_LIMITED, 'command flood', 5000)
    else if (id === undefined) this.context.metrics.error('RATE_LIMITED')
    else this.#commands.enqueue(id, () => fail('RATE_LIMITED', 'Too many commands', wait))
  }

  /** @internal Sends the reply to command `id` (the command queue answers through it). */
  reply(id: number, reply: Reply): void {
    if (!reply.ok) this.context.metrics.error(reply.error.code)
    this.send(reply.ok ? { type: 'reply', id, ok: true, result: reply.result } : { type: 'reply', id, ok: false, error: reply.error })
  }

  /** @internal Sends `frame`; `text` is its JSON when already serialized (a publication's shared frame). */
  send(frame: ServerFrame, text?: string): void {
    if (this.status === 'closed') return
    this.#outlet.send(text ?? JSON.stringify(frame), frame)
    this.context.metrics.messagesOut += 1
    if (this.#bufferCheckPending) return
    this.#bufferCheckPending = true
    this.context.bufferWatch.afterTurn(this)
  }

  /** @internal After the turn that sent (see `SendBufferWatch`): a send buffer still over the limit is a slow consumer. */
  checkBuffer(): void {
    this.#bufferCheckPending = false
    if (this.status === 'closed' || this.#outlet.bufferedBytes() <= this.context.options.maxBufferedBytes) return
    this.context.metrics.error('SLOW_CONSUMER')
    this.#release()
    this.#outlet.close(CloseCode.SLOW_CONSUMER, 'send buffer full')
  }

  #release(): void {
    if (this.status === 'closed') return
    const wasOpen = this.status === 'open'
    this.status = 'closed'
    const { heartbeat, metrics } = this.context
    this.#clearConnectTimer()
    this.context.tokenExpiry.cancel(this, this.#tokenExp)
    heartbeat.delete(this)
    for (const subscription of this.subscriptions.values()) subscription.unsubscribe?.()
    this.subscriptions.clear()
    this.#unregister?.()
    metrics.connections[this.#outlet.transport] -= 1
    this.context.closed(this, wasOpen)
  }
}
