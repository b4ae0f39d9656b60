import { vi } from 'vitest'

/**
 * How long these tests wait for a condition: generous, because the machine running them may be
 * busy; a passing run never waits this long, it polls.
 */
export const PATIENCE = { timeout: 15_000, interval: 25 }

/** Test and hook timeouts for files that start redis-server and several servers. */
export function allowSlowMachines(): void {
  vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 })
}
