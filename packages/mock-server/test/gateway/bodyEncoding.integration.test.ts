import { PROTOCOL_VERSION, SESSION_HEADER } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { PollClient, request, resultOf } from '@lifeline/testkit/raw'
import { mintToken, useIntegrationHooks } from '../server/support'
import { HOSTS, startHost } from './support/hosts'

useIntegrationHooks()

const API_KEY = 'body-encoding-api-key'
const utf8 = new TextEncoder()

/** `prefix`, the bytes 0xFF 0xFE (never part of UTF-8), then `suffix`: JSON around a string that is not UTF-8. */
function notUtf8(prefix: string, suffix: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array([...utf8.encode(prefix), 0xff, 0xfe, ...utf8.encode(suffix)])
}

describe.each(HOSTS)('request bodies on the %s host', (kind) => {
  it('refuses a body that is not UTF-8 with 400 BAD_REQUEST on every route that reads one, and stores nothing', async () => {
    const host = await startHost(kind, { apiKey: API_KEY })
    const token = await mintToken('ada')
    const client = await PollClient.connect(host, token)
    const user = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const upstream = { ...user, [SESSION_HEADER]: client.session }
    const bodies: [string, Record<string, string>, Uint8Array<ArrayBuffer>][] = [
      ['/sse/ticket', user, notUtf8(`{"id":1,"type":"connect","v":${PROTOCOL_VERSION},"x":"`, '"}')],
      ['/poll/connect', user, notUtf8(`{"id":1,"type":"connect","v":${PROTOCOL_VERSION},"x":"`, '"}')],
      ['/poll', upstream, notUtf8('{"ack":1,"x":"', '"}')],
      ['/sse/send', upstream, notUtf8('{"id":2,"type":"publish","channel":"board:1","event":"e","key":"k1","data":"', '"}')],
      ['/publish', { authorization: `Bearer ${API_KEY}` }, notUtf8('{"channel":"board:1","event":"e","key":"k2","data":"', '"}')],
    ]
    for (const [path, headers, body] of bodies) {
      const answer = await request(host, path, { method: 'POST', headers, body })
      expect([answer.status, answer.body.error?.code], path).toEqual([400, 'BAD_REQUEST'])
    }
    // Neither publish was stored (with its bytes replaced, it would have been): this one is the channel's first.
    const first = await client.command('publish', { channel: 'board:1', event: 'e', key: 'k3', data: 'é😀' })
    expect(resultOf<{ position: { offset: number } }>(first).position.offset).toBe(1)
  })
})
