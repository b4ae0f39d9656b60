import { CloseCode, MAX_PRESENCE_DATA_BYTES, parseCommand, type ErrorBody } from '@lifeline/protocol'
import { admitConnect } from './admitConnect'
import { authenticate, AuthError, jwtVerifier, type TokenVerifier } from './auth'
import type { Broker, PublishInput, PublishOutcome } from './broker'
import { channelAuthorizer, channelMatcher, DEFAULT_CHANNEL_RULES } from './channelRules'
import { systemClock } from './clock'
import { ConnectionCap } from './connectionCap'
import { DEFAULT_JWT_SECRET, type EngineOptions, type HttpAnswer } from './engineOptions'
import { Heartbeat } from './heartbeat'
import { httpError } from './httpError'
import { MemoryBroker } from './memoryBroker'
import { stripUndefined } from './stripUndefined'
import { MessageFrames } from './messageFrames'
import { publishApiAnswer, type PublishApiContext } from './publishApiAnswer'
import { Metrics } from './metrics'
import { encodeData, encodePublication, type PayloadLimits } from './payload'
import { randomId } from './randomId'
import { RefusedError } from './refusedError'
import { resolveLimits } from './resolveLimits'
import { SendBufferWatch } from './sendBufferWatch'
import type { Outlet } from './outlet'
import { Session } from './session'
import { ticketBook, type TicketGrant } from './tickets'
import { TokenExpiry } from './tokenExpiry'
import { DEFAULT_TOKEN_POLICY, withTokenPolicy } from './tokenPolicy'

export type SessionEvent = 'open' | 'close'

/**
 * The protocol engine: sessions, subscriptions, auth, history and limits, with no dependency on
 * node:http or ws, so the Node server and the MSW handlers drive the same code.
 */
export class ProtocolEngine {
  readonly broker: Broker
  readonly metrics = new Metrics()
  readonly sessions = new Set<Session>()
  readonly #ownsBroker: boolean
  readonly #verify: TokenVerifier
  readonly #tickets
  readonly #context
  readonly #payload: PayloadLimits
  readonly #cap: ConnectionCap
  readonly #peers = new WeakMap<Session, string>()
  readonly #allowedOrigins: string[]
  readonly #publishApi: PublishApiContext
  readonly #listeners = new Set<(event: SessionEvent, session: Session) => void>()

  constructor(options: EngineOptions = {}) {
    const { limits, maxPayloadDepth, maxConnectionsPerIp, maxTokenLifetimeMs } = resolveLimits(stripUndefined(options))
    const clock = options.clock ?? systemClock
    this.#ownsBroker = !options.broker
    this.broker = options.broker ?? new MemoryBroker({ clock })
    const secret = options.jwtSecret ?? DEFAULT_JWT_SECRET
    const policy = { requireExpiry: options.requireTokenExpiry ?? DEFAULT_TOKEN_POLICY.requireExpiry, maxLifetimeMs: maxTokenLifetimeMs }
    this.#verify = withTokenPolicy(options.verifyToken ?? jwtVerifier(secret), policy, clock)
    this.#tickets = ticketBook({
      secret: options.ticketSecret ?? (options.verifyToken ? randomId('', 32) : `${secret}:sse-ticket`),
      ttlMs: options.ticketTtlMs ?? 30_000,
      broker: this.broker,
      clock,
    })
    this.#payload = { maxBytes: limits.maxFrameBytes, maxDepth: maxPayloadDepth }
    this.#cap = new ConnectionCap(maxConnectionsPerIp)
    this.#allowedOrigins = options.allowedOrigins ?? ['*']
    const log = options.log ?? ((message: string, error: unknown) => console.error(`[lifeline] ${message}`, error))
    this.#publishApi = {
      apiKey: options.apiKey,
      maxFrameBytes: limits.maxFrameBytes,
      channelKnown: channelMatcher(options.channelRules ?? DEFAULT_CHANNEL_RULES),
      publish: (input) => this.#publishChecked(input),
      metrics: this.metrics,
      log,
    }
    this.#context = {
      options: limits,
      broker: this.broker,
      clock,
      metrics: this.metrics,
      frames: new MessageFrames(),
      heartbeat: new Heartbeat(clock, limits.heartbeatMs, log),
      tokenExpiry: new TokenExpiry(clock, log),
      bufferWatch: new SendBufferWatch(log),
      verify: this.#verify,
      authorize: channelAuthorizer(options.channelRules ?? DEFAULT_CHANNEL_RULES),
      publish: (input: PublishInput) => this.#publishChecked(input),
      presenceData: (data: unknown) => JSON.parse(encodeData(data, { ...this.#payload, maxBytes: MAX_PRESENCE_DATA_BYTES }, '"presence.data"', 'BAD_REQUEST')) as unknown,
      log,
      opened: (session: Session) => this.#emit('open', session),
      closed: (session: Session, wasOpen: boolean) => {
        // Refused handshakes too, or every failed connect would stay in `sessions` for good.
        this.sessions.delete(session)
        this.#cap.release(this.#peers.get(session))
        if (wasOpen) this.#emit('close', session)
      },
    }
  }

  /** Notified when a session completes its handshake or closes. Returns the unsubscribe. */
  onSession(listener: (event: SessionEvent, session: Session) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Whether a browser `Origin` may connect. Requests without one (servers, tests) may. */
  originAllowed(origin: string | null | undefined): boolean {
    return !origin || this.#allowedOrigins.includes('*') || this.#allowedOrigins.includes(origin)
  }

  /**
   * A new WebSocket connection: the session waits for its `connect` frame. `peer` is the client's
   * address, for the per-address connection cap.
   */
  acceptWebSocket(outlet: Outlet, peer?: string): Session {
    return this.#track(new Session(outlet, this.#context), peer)
  }

  /** `POST /sse/ticket`: the `connect` command as body, the token in `Authorization`. */
  async issueTicket(authorization: string | null | undefined, body: string): Promise<HttpAnswer> {
    const admitted = await this.admitConnect(authorization, body)
    if ('status' in admitted) return admitted
    try {
      return { status: 200, body: { ticket: await this.#tickets.issue({ claims: admitted.claims, connectId: admitted.connectId }), expiresInMs: this.#tickets.ttlMs } }
    } catch (error) {
      return this.#refused(error)
    }
  }

  /** The checks of a handshake made over HTTP (`POST /sse/ticket`, `POST /poll/connect`); see {@link admitConnect}. */
  async admitConnect(authorization: string | null | undefined, body: string): Promise<Pick<TicketGrant, 'claims' | 'connectId'> | HttpAnswer> {
    const admitted = await admitConnect(this.#verify, this.#context.options.maxFrameBytes, authorization, body)
    return 'error' in admitted ? this.#error(admitted.error) : admitted
  }

  /** The claims of `Authorization: Bearer <token>` (long polls), or the `401` answer. */
  async authorize(authorization: string | null | undefined): Promise<Pick<TicketGrant, 'claims'> | HttpAnswer> {
    const claims = await authenticate(this.#verify, authorization)
    return claims instanceof AuthError ? this.#error(claims.toBody()) : { claims }
  }

  /** `GET /sse?ticket=…`, step one: a grant for a valid, unused ticket, or the HTTP error. */
  async redeemTicket(ticket: string | null | undefined): Promise<TicketGrant | HttpAnswer> {
    let grant: TicketGrant | undefined
    try {
      grant = ticket ? await this.#tickets.redeem(ticket) : undefined
    } catch (error) {
      return this.#refused(error)
    }
    if (!grant) return this.#error({ code: 'BAD_TICKET', message: 'Ticket is unknown, used or expired; request a new one' })
    // The ticket outlived the token it was traded for: the stream would open for an expired user.
    const { exp } = grant.claims
    if (exp !== undefined && exp * 1000 <= this.#context.clock.now()) return this.#error({ code: 'TOKEN_EXPIRED', message: 'The token behind this ticket has expired' })
    return grant
  }

  /**
   * `GET /sse?ticket=…`, step two, or `POST /poll/connect` once admitted: the session is open on
   * `outlet`; its first frame is the connect reply.
   */
  openEventStream(grant: Pick<TicketGrant, 'claims' | 'connectId'>, outlet: Outlet, peer?: string): Session {
    const session = this.#track(new Session(outlet, this.#context), peer)
    session.establish(grant.claims, grant.connectId)
    return session
  }

  /** `POST /sse/send`: one command for an SSE session, routed to whichever replica holds it. */
  async upstream(authorization: string | null | undefined, sessionId: string | null | undefined, body: string): Promise<HttpAnswer> {
    const claims = await authenticate(this.#verify, authorization)
    if (claims instanceof AuthError) return this.#error(claims.toBody())
    if (!sessionId) return this.#error({ code: 'SESSION_NOT_FOUND', message: 'Lifeline-Session header is missing' })
    const parsed = parseCommand(body, this.#context.options.maxFrameBytes)
    if (!parsed.ok) return this.#error(parsed.error)
    const verdict = await this.broker.routeToSession(sessionId, { subject: claims.sub, frame: parsed.frame })
    if (!verdict.accepted) return { status: verdict.status, body: { error: verdict.error } }
    return { status: 202, body: {} }
  }

  /** `POST /publish`: the server-side publish API, authenticated by API key. */
  publishApi(authorization: string | null | undefined, body: string): Promise<HttpAnswer> {
    return publishApiAnswer(this.#publishApi, authorization, body)
  }

  /**
   * Publishes as the server (no channel rules), through the same checks as every publication:
   * rejects with a {@link RefusedError} (`BAD_REQUEST`, `FRAME_TOO_LARGE`, `UNAVAILABLE`). The
   * broker keeps a copy, so changing `data` afterwards changes nothing that was published.
   */
  async publish(input: PublishInput): Promise<PublishOutcome> {
    const text = encodePublication(input, this.#payload)
    return this.broker.publish({ ...input, data: JSON.parse(text), publisher: input.publisher ?? 'server' })
  }

  /** Health for `GET /healthz`. */
  health(): HttpAnswer {
    const broker = this.broker.health()
    return { status: broker.status === 'ok' ? 200 : 503, body: { ...broker, connections: { ...this.metrics.connections } } }
  }

  metricsText(): string {
    return this.metrics.render(this.broker.health().status !== 'ok')
  }

  /** Closes every session with `code` (default 4101, reconnect now). */
  disconnectAll(code: number = CloseCode.RECONNECT, reason = 'disconnected by server', retryAfterMs?: number): void {
    for (const session of [...this.sessions]) session.disconnect(code, reason, retryAfterMs)
  }

  /** Disconnects everyone with 4100 (shutdown) and releases the broker if the engine made it. */
  async close(retryAfterMs = 2000): Promise<void> {
    this.disconnectAll(CloseCode.SHUTDOWN, 'server shutting down', retryAfterMs)
    if (this.#ownsBroker) await this.broker.close()
  }

  #track(session: Session, peer: string | undefined): Session {
    this.sessions.add(session)
    if (this.#cap.admit(peer)) {
      if (peer !== undefined) this.#peers.set(session, peer)
    } else {
      this.metrics.error('RATE_LIMITED')
      session.disconnect(CloseCode.RATE_LIMITED, 'Too many connections from this address', 10_000)
    }
    return session
  }

  /** The answer to a `RefusedError` (a broker that cannot do this now); anything else is a bug, rethrown. */
  #refused(error: unknown): HttpAnswer {
    if (error instanceof RefusedError) return this.#error(error.toBody())
    throw error
  }

  /** Every publication passes here: checked at the door, then handed to the broker. */
  async #publishChecked(input: PublishInput): Promise<PublishOutcome> {
    encodePublication(input, this.#payload)
    return this.broker.publish(input)
  }

  /** A listener is the app's code: one that throws is logged, and stops neither the others nor the timer that closed the session (a shared token-expiry timer would skip the rest). */
  #emit(event: SessionEvent, session: Session): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event, session)
      } catch (error) {
        this.#context.log?.('session listener failed', error)
      }
    }
  }

  #error(error: ErrorBody): HttpAnswer {
    return httpError(this.metrics, error)
  }
}
