/**
 * Shared helpers for the mock server's integration tests: a real server on port 0, driven by the
 * raw clients of `@lifeline/testkit/raw` (over the `ws` package, the `eventsource` package and
 * global `fetch`).
 */
import { closeAfterTest, closeOpened, request, WsClient } from '@lifeline/testkit/raw'
import { afterEach, vi } from 'vitest'
import { systemClock, type Clock } from '../../src/engine/index'
import { createServer, signToken, type MockServer, type ServerOptions } from '../../src/index'

export const JWT_SECRET = 'integration-test-secret'

/** How long a test waits for something the server should do soon; generous for a loaded machine. */
const WAIT_MS = 10_000

/**
 * Call once at the top of a test file: generous timeouts for a loaded machine, and every server and
 * client the helpers opened is closed after each test.
 */
export function useIntegrationHooks(): void {
  vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 })
  afterEach(closeOpened)
}

/** A mock server on a free loopback port with the test secret, closed after the test. */
export async function startServer(options: ServerOptions = {}): Promise<MockServer> {
  const server = await createServer({ port: 0, host: '127.0.0.1', jwtSecret: JWT_SECRET, ...options })
  closeAfterTest(() => server.close())
  return server
}

/** A JWT the test server accepts (HS256 with {@link JWT_SECRET} unless `secret` says otherwise). */
export function mintToken(sub: string, { roles = [], expiresInSeconds = 3600, secret = JWT_SECRET, now }: { roles?: string[]; expiresInSeconds?: number; secret?: string; now?: number } = {}): Promise<string> {
  return signToken({ secret, sub, roles, expiresInSeconds, ...(now === undefined ? {} : { now }) })
}

/** Resolves with what `check` returns once it stops throwing; rejects with its last error after `timeoutMs`. */
export function eventually<T>(check: () => T, timeoutMs = WAIT_MS): Promise<T> {
  return vi.waitFor(check, { timeout: timeoutMs, interval: 20 })
}

/** Whether the server still answers: `/healthz` is 200 and a fresh WebSocket client completes a round trip. */
export async function stillServes(server: MockServer): Promise<boolean> {
  const health = await request(server, '/healthz')
  const client = await WsClient.connect(server, await mintToken('health-check'))
  const pong = await client.command('ping', {})
  client.socket.close()
  return health.status === 200 && pong.ok
}

/**
 * A clock for the engine or a broker whose time the test moves forward: `now()` is the wall clock
 * plus what `advance()` added, and timeouts (token expiry, connect timeout) fire when `advance()`
 * passes them. Intervals (heartbeats) stay real, so connections behave normally meanwhile.
 */
export class TestClock implements Clock {
  #skew = 0
  #timeouts = new Map<number, { due: number; callback: () => void }>()
  #nextHandle = 1
  readonly setInterval = systemClock.setInterval
  readonly clearInterval = systemClock.clearInterval

  now(): number {
    return Date.now() + this.#skew
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#nextHandle++
    this.#timeouts.set(handle, { due: this.now() + ms, callback })
    return handle
  }

  clearTimeout(handle: unknown): void {
    this.#timeouts.delete(handle as number)
  }

  /** Moves time forward by `ms` and runs the timeouts that came due, earliest first. */
  advance(ms: number): void {
    this.#skew += ms
    const due = [...this.#timeouts].filter(([, timeout]) => timeout.due <= this.now()).sort(([, a], [, b]) => a.due - b.due)
    for (const [handle, { callback }] of due) {
      if (this.#timeouts.delete(handle)) callback()
    }
  }
}
