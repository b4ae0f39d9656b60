import { CloseCode } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { errorOf, request, requestTicket, SseClient, WsClient } from '@lifeline/testkit/raw'
import { AuthError } from '../../src/index'
import { eventually, mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Tokens the server must refuse, with the error code and close code it must refuse them with. */
async function badTokens() {
  const valid = await mintToken('ada')
  const [header, payload, signature] = valid.split('.')
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
  return [
    { name: 'signed with another secret', token: await mintToken('ada', { secret: 'not-the-server-secret' }), code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'expired', token: await mintToken('ada', { now: Date.now() - 7200_000, expiresInSeconds: 3600 }), code: 'TOKEN_EXPIRED', close: CloseCode.TOKEN_EXPIRED },
    { name: 'forged (claims changed, signature kept)', token: `${header}.${base64url({ ...claims, sub: 'root', roles: ['admin'] })}.${signature}`, code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'alg: none', token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, roles: ['admin'] })}.`, code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'not a JWT', token: 'garbage', code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
    { name: 'without sub', token: `${header}.${base64url({ ...claims, sub: undefined })}.${signature}`, code: 'UNAUTHORIZED', close: CloseCode.UNAUTHORIZED },
  ]
}

describe('bad tokens', () => {
  it('refuses each bad token on the WebSocket connect with its code and close code', async () => {
    const server = await startServer()
    for (const { name, token, code, close } of await badTokens()) {
      const client = await WsClient.open(server)
      expect(errorOf(await client.command('connect', { v: 1, token })), name).toBe(code)
      expect((await client.closed).code, name).toBe(close)
    }
    const noToken = await WsClient.open(server)
    expect(errorOf(await noToken.command('connect', { v: 1 }))).toBe('UNAUTHORIZED')
    expect(await stillServes(server)).toBe(true)
    // Refused handshakes leave nothing behind in the engine.
    await eventually(() => expect(server.engine.sessions.size).toBe(0))
  })

  it('refuses each bad token on the SSE ticket request with 401 and its code', async () => {
    const server = await startServer()
    for (const { name, token, code } of await badTokens()) {
      const answer = await requestTicket(server, token)
      expect(answer.status, name).toBe(401)
      expect(answer.body.error.code, name).toBe(code)
    }
    expect(await stillServes(server)).toBe(true)
  })

  it('refuses each bad token on SSE upstream POSTs with 401 and its code', async () => {
    const server = await startServer()
    const client = await SseClient.connect(server, await mintToken('ada'))
    for (const { name, token, code } of await badTokens()) {
      const answer = await client.post(server, { id: 2, type: 'subscribe', channel: 'dashboard' }, { token })
      expect(answer.status, name).toBe(401)
      expect(answer.body.error.code, name).toBe(code)
    }
    expect((await client.command(server, 'ping', {})).ok).toBe(true)
  })
})

describe('a pluggable verifier', () => {
  it('closes the socket even when its refusal message is longer than a close frame can carry', async () => {
    const refusal = 'This token was refused by the identity provider because '.repeat(5)
    const server = await startServer({
      verifyToken: async () => {
        throw new AuthError('UNAUTHORIZED', refusal)
      },
    })
    const client = await WsClient.open(server)
    const reply = await client.command('connect', { v: 1, token: 'anything' })
    expect(!reply.ok && reply.error).toEqual({ code: 'UNAUTHORIZED', message: refusal })
    expect(await client.frame((frame) => frame.type === 'disconnect', 'disconnect')).toMatchObject({ code: CloseCode.UNAUTHORIZED, reason: refusal })
    expect((await client.closed).code).toBe(CloseCode.UNAUTHORIZED)
  })
})
