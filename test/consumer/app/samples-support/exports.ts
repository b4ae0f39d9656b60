import type { RealtimeClient } from '@lifeline/client'
import { expect, vi } from 'vitest'

const isClient = (value: unknown): value is RealtimeClient =>
  typeof value === 'object' && value !== null && 'getSnapshot' in value && 'connect' in value && 'disconnect' in value

const isClosable = (value: unknown): value is { close(callback?: () => void): unknown } =>
  typeof value === 'object' && value !== null && 'close' in value && typeof value.close === 'function'

/** Every client a sample exports connects (the sample's own URL and token code, against the mock). */
export async function connectExportedClients(module: Record<string, unknown>): Promise<RealtimeClient[]> {
  const clients = Object.values(module).filter(isClient)
  for (const client of clients) {
    client.connect()
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected' }), { timeout: 15_000 })
  }
  return clients
}

/** Disconnects exported clients, then closes exported servers (promise-returning or callback style). */
export async function closeExports(module: Record<string, unknown>): Promise<void> {
  for (const value of Object.values(module)) if (isClient(value)) value.disconnect()
  for (const value of Object.values(module)) {
    if (isClient(value) || !isClosable(value)) continue
    await new Promise<void>((resolve, reject) => {
      const result = value.close(() => resolve())
      if (result instanceof Promise) result.then(() => resolve(), reject)
    })
  }
}
