import { describe, expect, it } from 'vitest'
import { runCli } from './runCli'
import { useIntegrationHooks } from './support'

useIntegrationHooks()

describe('lifeline-mock-server --presence-ttl', () => {
  it('exits with 2 and the usage on a presence lifetime below 1000 ms, from the flag or PRESENCE_TTL_MS', async () => {
    // Port 9 on loopback: nothing answers there, and nothing may be reached, the value is refused first.
    const runs = [
      { run: runCli(['--port', '0', '--redis', 'redis://127.0.0.1:9', '--presence-ttl', '1']), value: '1' },
      { run: runCli(['--port', '0', '--redis', 'redis://127.0.0.1:9'], { PRESENCE_TTL_MS: '999' }), value: '999' },
      { run: runCli(['--port', '0', '--presence-ttl', '0']), value: '0' },
    ]
    for (const { run, value } of runs) {
      expect(await run.exited, value).toBe(2)
      expect(run.stderr(), value).toContain(`--presence-ttl must be at least 1000 milliseconds`)
      expect(run.stderr(), value).toContain(`got "${value}"`)
      expect(run.stderr(), value).toContain('Usage:')
      expect(run.stdout(), value).toBe('')
    }
  })
})
