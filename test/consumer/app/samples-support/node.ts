import { expect, vi } from 'vitest'
import { closeExports, connectExportedClients } from './exports.js'

/**
 * Runs a Node sample: PORT=0 (samples listen on `process.env.PORT`), what it logs must contain
 * `expected`, every exported client connects, then exported clients and servers are closed.
 */
export async function runNodeSample(load: () => Promise<Record<string, unknown>>, expected: string[]): Promise<void> {
  process.env.PORT = '0'
  const logs: string[] = []
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')))
  const module = await load()
  try {
    for (const text of expected) await vi.waitFor(() => expect(logs.join('\n')).toContain(text), { timeout: 15_000 })
    await connectExportedClients(module)
  } finally {
    await closeExports(module)
    vi.restoreAllMocks()
  }
}
