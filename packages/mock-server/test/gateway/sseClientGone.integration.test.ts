import { PROTOCOL_VERSION } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { closeAfterTest } from '@lifeline/testkit/raw'
import { MemoryBroker } from '../../src/engine/index'
import type { ByteSink, GatewayRequest } from '../../src/gateway/exchange'
import { createGateway } from '../../src/gateway/gateway'
import { JWT_SECRET, mintToken, useIntegrationHooks } from '../server/support'

useIntegrationHooks()

/** A broker whose ticket claims run `meanwhile` first: what happens while a claim crosses to Redis. */
class SlowClaimBroker extends MemoryBroker {
  meanwhile = () => {}
  override async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    this.meanwhile()
    return super.claimOnce(key, ttlMs)
  }
}

const sink: ByteSink = { write: () => {}, end: () => {}, abort: () => {}, bufferedBytes: () => 0 }

describe('an SSE client that leaves while its ticket is redeemed', () => {
  it('gets no session, since the host reported its end before there was a stream to end', async () => {
    const broker = new SlowClaimBroker()
    const gateway = createGateway({ jwtSecret: JWT_SECRET, broker })
    closeAfterTest(() => gateway.close())
    const { body } = await gateway.engine.issueTicket(`Bearer ${await mintToken('ada')}`, JSON.stringify({ id: 1, type: 'connect', v: PROTOCOL_VERSION }))
    let cut = false
    broker.meanwhile = () => (cut = true)
    const request: GatewayRequest = {
      method: 'GET',
      path: '/sse',
      query: new URLSearchParams({ ticket: (body as { ticket: string }).ticket }),
      header: () => undefined,
      body: async () => new Uint8Array(),
      gone: () => cut,
    }
    const answer = await gateway.handle(request)
    // As a host does with a stream answer; its `closed()` will never come, the client's close has passed.
    if (answer && 'stream' in answer) answer.stream(sink)
    expect(cut).toBe(true)
    expect(gateway.engine.sessions.size).toBe(0)
    expect(gateway.engine.metrics.connections.sse).toBe(0)
  })
})
