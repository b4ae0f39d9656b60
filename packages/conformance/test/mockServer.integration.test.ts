import { createServer } from '@lifeline/mock-server'
import { describe, expect, it } from 'vitest'
import { runConformance } from '../src/index'
import { failures, idsWith, serverOptions, testConfig } from '../src/__tests__/support/testConfig'

describe('the kit against the mock server, in memory', () => {
  it('passes every case of the core, recovery and limits levels on every transport', async () => {
    const server = await createServer({ port: 0, ...serverOptions() })
    try {
      const report = await runConformance({ url: server.url, config: testConfig() })
      expect(failures(report)).toEqual([])
      expect(idsWith(report, 'not-applicable')).toEqual(['multi-replica/cross-replica-delivery', 'multi-replica/cross-replica-upstream', 'multi-replica/cross-replica-poll', 'multi-replica/cross-replica-recovery', 'multi-replica/cross-replica-presence'])
      expect(report.summary.passed).toBe(report.results.length - 5)
    } finally {
      await server.close()
    }
  }, 300_000)
})
