import { describe, expect, it } from 'vitest'
import { request, WsClient } from '@lifeline/testkit/raw'
import { mintToken, startServer, useIntegrationHooks } from './support'

useIntegrationHooks()

const publishRequest = (body: unknown, authorization?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

describe('server-side publish API', () => {
  it('refuses a missing or wrong API key with 401 UNAUTHORIZED', async () => {
    const server = await startServer({ apiKey: 'right-key' })
    const message = { channel: 'broadcasts', event: 'news', data: 1 }
    for (const authorization of [undefined, 'Bearer wrong-key', 'right-key']) {
      const answer = await request(server, '/publish', publishRequest(message, authorization))
      expect([answer.status, answer.body.error.code], String(authorization)).toEqual([401, 'UNAUTHORIZED'])
    }
    const withoutApiKey = await startServer()
    const off = await request(withoutApiKey, '/publish', publishRequest(message, 'Bearer anything'))
    expect(off.status).toBe(401)
  })

  it('publishes with the right key to every subscriber, bypassing channel rules', async () => {
    const server = await startServer({ apiKey: 'right-key' })
    const reader = await WsClient.connect(server, await mintToken('ada'))
    await reader.command('subscribe', { channel: 'user:ada' })
    const answer = await request(server, '/publish', publishRequest({ channel: 'user:ada', event: 'notification', data: { text: 'hi' } }, 'Bearer right-key'))
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ position: { offset: 1 }, duplicate: false })
    const [message] = await reader.messagesOf('user:ada', 1)
    expect(message).toMatchObject({ event: 'notification', data: { text: 'hi' }, pos: answer.body.position })
  })

  it('refuses malformed publish bodies with 400 BAD_REQUEST and oversized ones with 413', async () => {
    const server = await startServer({ apiKey: 'k', maxFrameBytes: 1024 })
    for (const body of ['{nope', '{"channel":"bad name","event":"e","data":1}', '{"channel":"a","data":1}', '{"channel":"a","event":"e"}', '{"channel":"a","event":"e","data":1,"key":5}']) {
      const answer = await request(server, '/publish', publishRequest(body, 'Bearer k'))
      expect([answer.status, answer.body.error.code], body).toEqual([400, 'BAD_REQUEST'])
    }
    const tooLarge = await request(server, '/publish', publishRequest({ channel: 'a', event: 'e', data: 'x'.repeat(1500) }, 'Bearer k'))
    expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, 'FRAME_TOO_LARGE'])
  })

  it('says what is wrong with a bad channel name', async () => {
    const server = await startServer({ apiKey: 'k' })
    const cases: [unknown, string][] = [
      ['board 1', 'has a character outside letters, digits and _ - : . @: " "'],
      ['', 'cannot be empty'],
      ['x'.repeat(129), 'is 129 characters long; the most is 128'],
      [7, 'must be a string, got number'],
      [undefined, '"channel" is required'],
    ]
    for (const [channel, problem] of cases) {
      const answer = await request(server, '/publish', publishRequest({ channel, event: 'e', data: 1 }, 'Bearer k'))
      expect([answer.status, answer.body.error.code], String(channel)).toEqual([400, 'BAD_REQUEST'])
      expect(answer.body.error.message, String(channel)).toContain(problem)
    }
  })

  it('refuses a channel no rule matches with 403 FORBIDDEN: no client could ever read it', async () => {
    const server = await startServer({ apiKey: 'k' })
    const typo = await request(server, '/publish', publishRequest({ channel: 'leaderbord', event: 'score', data: 1 }, 'Bearer k'))
    expect([typo.status, typo.body.error.code]).toEqual([403, 'FORBIDDEN'])
    expect(typo.body.error.message).toContain('No channel rule matches "leaderbord"')
    const ruled = await startServer({ apiKey: 'k', channelRules: [{ pattern: 'team:{id}', subscribe: () => true }] })
    expect((await request(ruled, '/publish', publishRequest({ channel: 'team:red', event: 'goal', data: 1 }, 'Bearer k'))).status).toBe(200)
    expect((await request(ruled, '/publish', publishRequest({ channel: 'leaderboard', event: 'score', data: 1 }, 'Bearer k'))).status).toBe(403)
  })

  it('answers GET /publish with 405 and the allowed method', async () => {
    const server = await startServer({ apiKey: 'k' })
    const answer = await request(server, '/publish')
    expect([answer.status, answer.body.error.code, answer.headers.get('allow')]).toEqual([405, 'METHOD_NOT_ALLOWED', 'POST'])
  })
})
