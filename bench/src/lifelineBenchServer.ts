import * as mockServer from '@lifeline/mock-server'
import type { Broker } from '@lifeline/mock-server'
import { BENCH_CHANNEL, BENCH_EVENT, BENCH_JWT_SECRET, type BenchServer } from './benchServer'

type RedisBrokerConstructor = new (options: { url: string }) => Broker & { ready?(): Promise<void> }

/**
 * `RedisBroker` is built in parallel with this benchmark; read it off the module so the benchmark
 * still builds (and says what it could not measure) while it is not exported yet.
 */
export function redisBrokerClass(): RedisBrokerConstructor | undefined {
  const exported: Record<string, unknown> = mockServer
  return exported.RedisBroker as RedisBrokerConstructor | undefined
}

/** The Lifeline mock server (from source), publishing through its engine as `POST /publish` would. */
export async function startLifelineServer(redisUrl?: string): Promise<BenchServer> {
  let broker: Broker | undefined
  if (redisUrl) {
    const RedisBroker = redisBrokerClass()
    if (!RedisBroker) throw new Error('@lifeline/mock-server does not export RedisBroker yet')
    const redisBroker = new RedisBroker({ url: redisUrl })
    await redisBroker.ready?.()
    broker = redisBroker
  }
  const server = await mockServer.createServer({ port: 0, jwtSecret: BENCH_JWT_SECRET, ...(broker ? { broker } : {}) })
  return {
    url: server.url,
    publish: (tick) => server.publish(BENCH_CHANNEL, BENCH_EVENT, tick),
    async close() {
      await server.close()
      await broker?.close()
    },
  }
}
