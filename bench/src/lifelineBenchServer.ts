import { createServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { BENCH_API_KEY, BENCH_CHANNEL, BENCH_EVENT, BENCH_JWT_SECRET, type BenchServer } from './benchServer'

/**
 * The Lifeline mock server (from source): in-memory broker, or `RedisBroker` when several
 * replicas share `redisUrl`. `publish` goes through the engine as `POST /publish` does, and the
 * HTTP publish API is on too (the cross-replica run publishes through it from another process).
 */
export async function startLifelineServer(redisUrl?: string): Promise<BenchServer> {
  const broker = redisUrl ? new RedisBroker({ url: redisUrl }) : undefined
  await broker?.ready()
  const server = await createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, apiKey: BENCH_API_KEY, ...(broker ? { broker } : {}) })
  return {
    url: server.url,
    publish: (tick) => server.publish(BENCH_CHANNEL, BENCH_EVENT, tick),
    async close() {
      await server.close()
      await broker?.close()
    },
  }
}
