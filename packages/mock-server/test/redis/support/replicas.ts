import { expect, vi } from 'vitest'
import { createServer, type MockServer } from '../../../src/index'
import { RedisBroker, type RedisBrokerOptions } from '../../../src/redis/redisBroker'
import { PATIENCE } from './patience'

export const API_KEY = 'replica-test-key'

/** One server process of the deployment, with its own connection to the shared Redis. */
export interface Replica {
  server: MockServer
  broker: RedisBroker
  /** Stops the server (clients get 4100 and reconnect elsewhere), then its broker. Idempotent. */
  stop(): Promise<void>
}

/** Starts `count` servers on one Redis, each with its own `RedisBroker`, and waits until they are ready. */
export async function startReplicas(count: number, redisUrl: string, options: RedisBrokerOptions = {}): Promise<Replica[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const broker = new RedisBroker({ url: redisUrl, reconnectMaxDelayMs: 200, log: () => {}, ...options })
      await broker.ready()
      const server = await createServer({ port: 0, broker, apiKey: API_KEY })
      return {
        server,
        broker,
        async stop() {
          await server.close()
          await broker.close()
        },
      }
    }),
  )
}

/** `POST /publish` on a replica, as a backend service would. */
export async function publishApi(server: Pick<MockServer, 'url'>, body: { channel: string; event: string; data: unknown; key?: string }): Promise<unknown> {
  const response = await fetch(`${server.url}/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(200)
  return response.json()
}

/** Waits until `GET /healthz` of `server` says `status` (200 for ok, 503 for degraded). */
export async function healthOf(server: MockServer, status: 'ok' | 'degraded'): Promise<{ status: string; reason?: string }> {
  return vi.waitFor(
    async () => {
      const response = await fetch(`${server.url}/healthz`)
      const body = (await response.json()) as { status: string; reason?: string }
      expect(body.status).toBe(status)
      expect(response.status).toBe(status === 'ok' ? 200 : 503)
      return body
    },
    PATIENCE,
  )
}
