import { CloseCode } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { ProtocolEngine, type Outlet } from '../engine/index'
import { NO_FAULTS } from '../faults'
import { webSocketGate } from '../gateway/webSocketGate'

/** An outlet that only remembers how the engine closed it. */
function recordingOutlet(): Outlet & { closedWith?: number } {
  const outlet: Outlet & { closedWith?: number } = { transport: 'websocket', send: () => {}, bufferedBytes: () => 0, close: (code) => void (outlet.closedWith = code) }
  return outlet
}

describe('webSocketGate', () => {
  it('does not count a connection the engine refused at once among the live ones that silenceNow() silences', async () => {
    const engine = new ProtocolEngine({ maxConnectionsPerIp: 1, log: () => {} })
    const gate = webSocketGate({ ...NO_FAULTS })
    const [admitted, refused] = [recordingOutlet(), recordingOutlet()]
    gate.open(engine, admitted, '203.0.113.7')
    gate.open(engine, refused, '203.0.113.7')
    expect([admitted.closedWith, refused.closedWith]).toEqual([undefined, CloseCode.RATE_LIMITED])
    expect(gate.silenceNow()).toBe(1)
    await engine.close()
  })
})
