import type { RealtimeClientOptions } from '../../options'
import { memoryStorage } from './memoryStorage'
import { testClient } from './testClient'

/** A client on WebSocket then SSE, with `random()` at 0.5, and the diagnoses it went through. */
export function bothTransports(options: Partial<RealtimeClientOptions> = {}) {
  const setup = testClient({ transports: ['websocket', 'sse'], storage: memoryStorage(), ...options })
  const diagnoses: (string | undefined)[] = []
  setup.client.onState(() => {
    const { diagnosis } = setup.client.getSnapshot()
    if (diagnosis !== diagnoses.at(-1)) diagnoses.push(diagnosis)
  })
  return { ...setup, diagnoses }
}

/** The transports of the sessions the server holds. */
export const sessionsOf = ({ network }: ReturnType<typeof bothTransports>) => network.mock.clients.map((info) => info.transport)

/** `upgradeDelay` that keeps the background probe out of a test's way. */
export const NO_PROBE = { upgradeDelay: { minMs: 600_000, maxMs: 600_000 } }
