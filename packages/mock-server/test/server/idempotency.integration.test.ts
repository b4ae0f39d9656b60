import type { PublishResult } from '@lifeline/protocol'
import { describe, expect, it } from 'vitest'
import { request, resultOf, WsClient } from '@lifeline/testkit/raw'
import { MemoryBroker } from '../../src/engine/index'
import { mintToken, startServer, TestClock, useIntegrationHooks } from './support'

useIntegrationHooks()

describe('idempotent publish', () => {
  it('acknowledges a repeated key twice but delivers the message once', async () => {
    const server = await startServer()
    const writer = await WsClient.connect(server, await mintToken('ada'))
    const reader = await WsClient.connect(server, await mintToken('grace'))
    await reader.command('subscribe', { channel: 'board:1' })
    const first = resultOf<PublishResult>(await writer.command('publish', { channel: 'board:1', event: 'e', data: 1, key: 'same' }))
    const again = resultOf<PublishResult>(await writer.command('publish', { channel: 'board:1', event: 'e', data: 1, key: 'same' }))
    expect(first.duplicate).toBe(false)
    expect(again).toEqual({ position: first.position, duplicate: true })
    // A later message with a fresh key marks the point by which a duplicate would have arrived.
    await writer.command('publish', { channel: 'board:1', event: 'e', data: 2, key: 'other' })
    const received = await reader.messagesOf('board:1', 2)
    expect(received.map((message) => message.data)).toEqual([1, 2])
  })

  it('drops a repeated key on the server-side publish API too', async () => {
    const server = await startServer({ apiKey: 'api-key' })
    const reader = await WsClient.connect(server, await mintToken('ada'))
    await reader.command('subscribe', { channel: 'broadcasts' })
    const publish = (data: number, key: string) =>
      request(server, '/publish', { method: 'POST', headers: { authorization: 'Bearer api-key' }, body: JSON.stringify({ channel: 'broadcasts', event: 'news', data, key }) })
    const first = await publish(1, 'k')
    const again = await publish(1, 'k')
    expect(first.status).toBe(200)
    expect(again.body).toEqual({ position: first.body.position, duplicate: true })
    await publish(2, 'k2')
    expect((await reader.messagesOf('broadcasts', 2)).map((message) => message.data)).toEqual([1, 2])
  })

  it("scopes keys per publisher: another user's same key, or the API's, is a publish of its own", async () => {
    const server = await startServer({ apiKey: 'api-key' })
    const reader = await WsClient.connect(server, await mintToken('reader'))
    await reader.command('subscribe', { channel: 'board:2' })
    const ada = await WsClient.connect(server, await mintToken('ada'))
    const mallory = await WsClient.connect(server, await mintToken('mallory'))
    const publish = (client: WsClient, data: string) => client.command('publish', { channel: 'board:2', event: 'e', data, key: 'k-1' }).then(resultOf<PublishResult>)
    const first = await publish(ada, 'ada')
    expect(await publish(mallory, 'mallory')).toMatchObject({ duplicate: false })
    const api = await request(server, '/publish', { method: 'POST', headers: { authorization: 'Bearer api-key' }, body: JSON.stringify({ channel: 'board:2', event: 'e', data: 'api', key: 'k-1' }) })
    expect(api.body).toMatchObject({ duplicate: false })
    // A user whose name looks like a scope joined with a key is still another publisher.
    const tricky = await WsClient.connect(server, await mintToken('ada:k'))
    expect(await tricky.command('publish', { channel: 'board:2', event: 'e', data: 'tricky', key: '-1' }).then(resultOf<PublishResult>)).toMatchObject({ duplicate: false })
    expect(await publish(ada, 'ada')).toEqual({ position: first.position, duplicate: true })
    expect((await reader.messagesOf('board:2', 4)).map((message) => message.data)).toEqual(['ada', 'mallory', 'api', 'tricky'])
  })
})

describe('idempotency window', () => {
  it('delivers a repeated key again once the window has passed', async () => {
    const clock = new TestClock()
    const server = await startServer({ broker: new MemoryBroker({ idempotencyWindowMs: 60_000, clock }) })
    const first = await server.publish('broadcasts', 'news', 1, 'same')
    expect((await server.publish('broadcasts', 'news', 1, 'same')).duplicate).toBe(true)
    clock.advance(61_000)
    const later = await server.publish('broadcasts', 'news', 1, 'same')
    expect(later.duplicate).toBe(false)
    expect(later.position.offset).toBe(first.position.offset + 1)
  })
})
