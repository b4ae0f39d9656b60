import { createFaultProxy, type FaultProxy } from '@lifeline/mock-server'
import type { Harness } from '../../support/harness'
import { perTest } from '../../support/perTest'

/** A fault proxy in front of the harness's server for every test of the file (call after useHarness). */
export function useFaultProxy(harness: Harness): FaultProxy {
  return perTest(() => createFaultProxy({ target: harness.server.url }), (proxy) => proxy.close())
}
