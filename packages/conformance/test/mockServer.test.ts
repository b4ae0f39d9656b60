import { createServer } from '@lifeline/mock-server'
import { describe, expect, it } from 'vitest'
import { formatReport, runConformance } from '../src/index'
import { failures, idsWith, serverOptions, testConfig } from './support'

describe('the kit against the mock server, in memory', () => {
  it('passes every case of the core, recovery and limits levels on every transport', async () => {
    const server = await createServer({ port: 0, ...serverOptions() })
    try {
      const report = await runConformance({ url: server.url, config: testConfig() })
      console.log(formatReport(report))
      expect(failures(report)).toEqual([])
    } finally {
      await server.close()
    }
  }, 300_000)
})
