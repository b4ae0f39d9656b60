import { CloseCode, PROTOCOL_VERSION } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, pollConnect, WsClient } from '@lifeline/testkit/raw'
import type { Claims } from '../../src/index'
import { startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('a custom token verifier', () => {
  /** A verifier from JavaScript that forgets the subject, or gives a number: what the types rule out. */
  const verifierGiving = (claims: Record<string, unknown>) => async () => ({ roles: [], exp: Math.floor(Date.now() / 1000) + 600, ...claims }) as unknown as Claims

  // Sessions are owned by the subject: two tokens without one would both own every such session.
  it('gets its claims refused without a string subject, as the built-in verifier does, on every transport', async () => {
    for (const claims of [{}, { sub: '' }, { sub: 42 }]) {
      const server = await startServer({ verifyToken: verifierGiving(claims) })
      const client = await WsClient.open(server)
      expect(errorOf(await client.command('connect', { v: PROTOCOL_VERSION, token: 'any' })), JSON.stringify(claims)).toBe('UNAUTHORIZED')
      expect((await client.closed).code).toBe(CloseCode.UNAUTHORIZED)
      const polled = await pollConnect(server, 'any')
      expect([polled.status, polled.body.error?.code], JSON.stringify(claims)).toEqual([401, 'UNAUTHORIZED'])
    }
  })
})
