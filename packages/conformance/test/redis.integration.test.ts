import { createServer, type MockServer } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { startRedis } from '@lifeline/testkit/tools'
import { describe, expect, it } from 'vitest'
import { runConformance } from '../src/index'
import { failures, idsWith, LIMITS, serverOptions, testConfig } from '../src/__tests__/support/testConfig'

/** A mock server with its own connection to the shared Redis, ready to serve. */
async function replica(redisUrl: string): Promise<{ server: MockServer; stop(): Promise<void> }> {
  const broker = new RedisBroker({ url: redisUrl, historySize: LIMITS.historySize, reconnectMaxDelayMs: 200, log: () => {} })
  await broker.ready()
  const server = await createServer({ port: 0, ...serverOptions(broker) })
  return {
    server,
    async stop() {
      await server.close()
      await broker.close()
    },
  }
}

describe('the kit against two mock servers on one Redis', () => {
  it('passes every level, multi-replica included, on every transport', async () => {
    const redis = await startRedis()
    const replicas = [await replica(redis.url), await replica(redis.url)]
    try {
      const [first, second] = replicas.map(({ server }) => server.url)
      const report = await runConformance({ url: first!, url2: second!, config: testConfig() })
      expect(failures(report)).toEqual([])
      expect(idsWith(report, 'not-applicable')).toEqual([])
      expect(idsWith(report, 'passed').filter((id) => id.startsWith('multi-replica/'))).toEqual([
        'multi-replica/cross-replica-delivery [websocket]',
        'multi-replica/cross-replica-delivery [sse]',
        'multi-replica/cross-replica-delivery [long-polling]',
        'multi-replica/cross-replica-upstream [sse]',
        'multi-replica/cross-replica-upstream [long-polling]',
        'multi-replica/cross-replica-poll [long-polling]',
        'multi-replica/cross-replica-recovery [websocket]',
        'multi-replica/cross-replica-recovery [sse]',
        'multi-replica/cross-replica-recovery [long-polling]',
        'multi-replica/cross-replica-presence [websocket]',
        'multi-replica/cross-replica-presence [sse]',
        'multi-replica/cross-replica-presence [long-polling]',
      ])
    } finally {
      await Promise.all(replicas.map((item) => item.stop()))
      await redis.kill()
    }
  }, 300_000)
})
