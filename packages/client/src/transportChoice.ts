import type { ConnectResult, TransportName } from '@lifeline/protocol'
import { closeInfo, ERRORS, type ErrorCode } from '@lifeline/protocol'
import type { Connection } from './connection'
import type { CurrentConnection } from './currentConnection'
import { isDiagnosis, RealtimeError, type Diagnosis } from './errors'
import type { TransportMemory } from './transportMemory'

/** What the transport choice needs from the client. */
export interface TransportChoiceDeps {
  /** The ladder: transports in order of preference. */
  transports: TransportName[]
  fallbackAfterMs: number
  upgradeDelay: { minMs: number; maxMs: number }
  minUptimeMs: number
  maxFlaps: number
  now(): number
  random(): number
  schedule(callback: () => void, ms: number): () => void
  memory: TransportMemory
  current: CurrentConnection
  /** A new connection over `name`, not opened yet. */
  connection(name: TransportName): Connection
  /** A token for a background probe. */
  token(): Promise<string | undefined>
  /** `connection` completed its handshake and beats the current one: make it current. */
  adopt(connection: Connection, result: ConnectResult, diagnosis: Diagnosis | undefined): void
  /** No transport worked (or one failed in a way no other can fix): recover from `error`. */
  failed(error: RealtimeError): void
  /** Learned while connected: why a better transport does not work from here. */
  found(error: RealtimeError & { code: Diagnosis }): void
}

/**
 * Which transport to use. Each attempt climbs down the ladder: a transport starts when the one
 * before failed, or when its handshake has not completed within `fallbackAfterMs`; then both race
 * and the first to complete wins (a better one that completes later still takes over). Transports
 * remembered as blocked for this origin go last. While not on the first transport, a background
 * probe tries that one again: at once when nothing is remembered about it, then after a jittered
 * delay that doubles up to `upgradeDelay.maxMs`.
 */
export class TransportChoice {
  readonly #deps: TransportChoiceDeps
  /** Handshakes under way: the attempt's racers and the probe. */
  readonly #pending = new Set<Connection>()
  #cancelRaces: (() => void)[] = []
  #cancelProbe: (() => void) | undefined
  /** Bumped by `stop()`: a probe waiting for its token drops out. */
  #run = 0
  #flaps = 0
  #probes = 0

  constructor(deps: TransportChoiceDeps) {
    this.#deps = deps
  }

  /** Starts an attempt over the ladder (nothing is current while it runs). */
  start(token: string | undefined): void {
    this.stop()
    const { transports, memory, fallbackAfterMs, schedule, current, failed } = this.#deps
    // Known-blocked transports last: no time lost on them, and still a way in when only they work.
    const ladder = [...transports].sort((a, b) => +!!memory.get(a) - +!!memory.get(b))
    const failures: RealtimeError[] = []
    /** What this attempt found out about each transport that failed. */
    const held: Partial<Record<TransportName, Diagnosis>> = {}
    let next = 0
    // Why the winner is not a better transport: what this attempt found or what was remembered
    // about the nearest better one that did not work.
    const why = (rank: number) => transports.slice(0, rank).reverse().map((name) => held[name] ?? memory.get(name)).find(Boolean)
    // Each transport starts one successor: when it fails, or when it has not completed in time.
    const launch = (): void => {
      const name = ladder[next++]
      if (!name) return
      let followed = false
      const follow = () => followed || ((followed = true), launch())
      this.#cancelRaces.push(schedule(() => current.get() || follow(), fallbackAfterMs))
      this.#open(name, token, why, (error) => {
        // A racer that lost to a worse transport tells why it is not the one in use. The first
        // transport is remembered only once a probe confirms it.
        if (current.get()) return this.#found(name, error, name !== transports[0])
        failures.push(error)
        // The first transport failing here is not a diagnosis yet: a server coming back between two
        // racers' starts looks just like a refusal. A probe right after adoption settles it.
        if (isDiagnosis(error.code) && name !== transports[0]) held[name] = error.code
        const action = ERRORS[error.code as ErrorCode]?.action
        // A refused token or a forbidden origin fails the same way on every transport.
        if (action === 'refresh' || action === 'stop') {
          this.stop()
          return failed(error)
        }
        follow()
        if (this.#pending.size) return
        // Every transport failed: what the server said, if it said anything; else that it let SSE in
        // and nothing came through (a buffering proxy); else it is out of reach.
        const unreachable = () => new RealtimeError('SERVER_UNREACHABLE', failures.map((failure) => failure.message).join(', '), { cause: error })
        failed(failures.find((failure) => failure.code in ERRORS) ?? failures.find((failure) => failure.code === 'SSE_BUFFERED') ?? unreachable())
      })
    }
    launch()
  }

  /** Cancels the attempt and the probe. */
  stop(): void {
    this.#run += 1
    for (const cancel of this.#cancelRaces) cancel()
    this.#cancelRaces = []
    this.#cancelProbe?.()
    this.#cancelProbe = undefined
    for (const connection of this.#pending) connection.close()
    this.#pending.clear()
  }

  /** The current connection ended on its own, with close `code`. */
  lost(connection: Connection, code: number): void {
    const { now, minUptimeMs, maxFlaps, memory } = this.#deps
    // A WebSocket that keeps dying right after the handshake is as good as blocked. Not one the
    // server closes on purpose with an instruction (a rolling restart's "reconnect now", a token
    // to refresh): only a close the client meets with plain backoff (cut, silent, an error).
    if (connection.name === 'websocket' && closeInfo(code).action === 'backoff' && now() - connection.openedAt < minUptimeMs && ++this.#flaps >= maxFlaps) {
      this.#flaps = 0
      memory.remember('websocket', 'WEBSOCKET_UNSTABLE')
    }
  }

  /** The current connection stayed up for `minUptimeMs`. */
  stable(connection: Connection): void {
    if (connection.name === this.#deps.transports[0]) this.#flaps = this.#probes = 0
  }

  #open(name: TransportName, token: string | undefined, why: (rank: number) => Diagnosis | undefined, failed: (error: RealtimeError) => void): void {
    const { transports, connection: create, current, memory, adopt, schedule } = this.#deps
    const rank = (connection: Connection) => transports.indexOf(connection.name)
    const connection = create(name)
    this.#pending.add(connection)
    connection.open(token).then(
      (result) => {
        if (!this.#pending.delete(connection)) return
        const active = current.get()
        if (active && rank(active) <= rank(connection)) return connection.close()
        // Worse racers still under way are not needed any more; better ones may still take over.
        for (const other of this.#pending) if (rank(other) > rank(connection)) this.#pending.delete(other), other.close()
        memory.forget(name)
        const top = !rank(connection)
        if (top) this.#cancelProbe?.(), (this.#cancelProbe = undefined)
        // Unless the first transport is known to be blocked, probe it at once: if it failed only
        // because the server was coming back, the client is back on it within a round trip.
        else this.#cancelProbe ??= memory.get(transports[0]!) ? this.#scheduleProbe() : schedule(() => void this.#probe(), 0)
        adopt(connection, result, top ? undefined : why(rank(connection)))
      },
      (error: RealtimeError) => this.#pending.delete(connection) && failed(error),
    )
  }

  #found(name: TransportName, error: RealtimeError, remember: boolean): void {
    const { code } = error
    if (!isDiagnosis(code)) return
    const { transports, memory, current, found } = this.#deps
    const connection = current.get()!
    const report = () => {
      if (remember) memory.remember(name, code)
      // What explains the transport in use is the trouble of the nearest better one: a probe of
      // WebSocket failing again while on long-polling does not replace a known SSE_BUFFERED.
      const between = transports.slice(transports.indexOf(name) + 1, transports.indexOf(connection.name))
      if (!between.some(memory.get)) found(error as RealtimeError & { code: Diagnosis })
    }
    // Said (and written down for an hour) only once the connection in use answers a ping sent after
    // this failure: in a total outage the probe fails too, and that says nothing about the transport.
    // Without an answer nothing is said, and the liveness check finds the outage as usual.
    connection.request({ type: 'ping' }, (error) => error || report())
  }

  /** Probes the first transport after a jittered delay, and schedules the next probe from there. */
  #scheduleProbe(): () => void {
    const { upgradeDelay, random, schedule } = this.#deps
    const cap = Math.min(upgradeDelay.maxMs, upgradeDelay.minMs * 2 ** this.#probes++)
    return schedule(() => void this.#probe(), cap / 2 + (random() * cap) / 2)
  }

  async #probe(): Promise<void> {
    // Counted from this probe's start, so a probe that hangs until its timeout does not delay the next.
    this.#cancelProbe = this.#scheduleProbe()
    const { transports, token } = this.#deps
    const [first] = transports as [TransportName]
    const run = this.#run
    const fresh = await token().catch(() => undefined)
    // One probe at a time; none after a stop.
    if (run !== this.#run || [...this.#pending].some((connection) => connection.name === first)) return
    this.#open(first, fresh, () => undefined, (error) => this.#found(first, error, true))
  }
}
