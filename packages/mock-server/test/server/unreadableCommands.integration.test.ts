import { PROTOCOL_VERSION } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { PollClient, request, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, stillServes, useIntegrationHooks } from './support'

useIntegrationHooks()

/** A command `type` nested deeper than JSON.stringify's stack: 60 KB, well within the frame limit. */
const DEEP = '['.repeat(30_000) + ']'.repeat(30_000)

describe('a command whose type is nested deeper than JSON.stringify can print', () => {
  it('is refused with a typed reply over WebSocket; the connection and the server stay', async () => {
    const server = await startServer()
    const client = await WsClient.connect(server, await mintToken('ada'))
    client.send(`{"id":7,"type":${DEEP}}`)
    const refused = await client.reply(7)
    expect(refused.ok).toBe(false)
    expect(refused.ok ? undefined : refused.error.code).toBe('UNKNOWN_COMMAND')
    expect((await client.command('ping', {})).ok).toBe(true)
    expect(await stillServes(server)).toBe(true)
  })

  it('is refused with 400 UNKNOWN_COMMAND over HTTP, upstream and as a handshake, not 500', async () => {
    const server = await startServer()
    const token = await mintToken('ada')
    const client = await PollClient.connect(server, token)
    const upstream = await client.post(`{"id":2,"type":${DEEP}}`)
    expect([upstream.status, upstream.body.error.code]).toEqual([400, 'UNKNOWN_COMMAND'])
    for (const path of ['/sse/ticket', '/poll/connect']) {
      const answer = await request(server, path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: `{"id":1,"v":${PROTOCOL_VERSION},"type":${DEEP}}` })
      expect([answer.status, answer.body.error.code], path).toEqual([400, 'UNKNOWN_COMMAND'])
    }
  })
})
