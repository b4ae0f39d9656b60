import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, testNetwork } from './support/testNetwork'

// What the app's own code and a stopped client do to delivery and to publishes.

beforeEach(() => {
  useFakeTime()
  vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('a logger that throws', () => {
  it('loses no message and leaves no command unanswered', async () => {
    const { network, client } = testClient({
      logger: () => {
        throw new Error('bug in the app logger')
      },
    })
    const board = client.channel('board:1')
    const seen: unknown[] = []
    board.on('moved', (data) => seen.push(data))
    board.subscribe()
    client.connect()
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    const published = board.publish('moved', 2)
    await settle()
    await network.mock.publish('board:1', 'moved', 3)
    await settle()
    await expect(published).resolves.toMatchObject({ position: { offset: 2 } })
    expect(seen).toEqual([1, 2, 3])
    expect(client.getSnapshot().status).toBe('connected')
    expect(console.error).toHaveBeenCalledWith('[lifeline] a listener threw', expect.any(Error))
  })
})

describe('publishing on a stopped client', () => {
  it('rejects at once with the error that stopped it for good, not after queueTtlMs', async () => {
    const { client } = testClient({ reconnectDelay: () => 100 }, testNetwork({ acceptToken: () => false }))
    client.connect()
    await settle(1000)
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED' } })
    const outcome = vi.fn()
    client.channel('board:1').publish('moved', 1).then(outcome, outcome)
    await settle()
    expect(outcome).toHaveBeenCalledWith(expect.objectContaining({ code: 'UNAUTHORIZED' }))
  })

  it('holds a publish made before connect() and sends it on the first connection', async () => {
    const { network, client } = testClient()
    const accepted = client.channel('board:1').publish('moved', 'early')
    client.connect()
    await settle()
    await expect(accepted).resolves.toMatchObject({ duplicate: false })
    expect(network.sent('publish').map((command) => command.data)).toEqual(['early'])
  })
})

describe('a subscribe with a rewind the server would refuse', () => {
  it('throws a TypeError and leaves the channel working for its other holders', async () => {
    const { network, client } = testClient()
    const board = client.channel('board:1')
    const seen: unknown[] = []
    board.on('moved', (data) => seen.push(data))
    board.subscribe()
    for (const rewind of [1.5, -1, '5', Number.NaN]) expect(() => board.subscribe({ rewind: rewind as number })).toThrow(TypeError)
    client.connect()
    await settle()
    await network.mock.publish('board:1', 'moved', 1)
    await settle()
    expect(board.state).toMatchObject({ status: 'subscribed' })
    expect(seen).toEqual([1])
    expect(network.sent('subscribe')).toHaveLength(1)
  })
})

describe('disconnect() while getToken is under way', () => {
  it('leaves no timer, and the next connect() asks getToken afresh; the late answer is not used', async () => {
    const answers: Array<(token: string) => void> = []
    const seen: string[] = []
    const { client } = testClient({ getToken: () => new Promise<string>((resolve) => answers.push(resolve)) }, testNetwork({ acceptToken: (token) => (seen.push(token), true) }))
    client.connect()
    await settle(100)
    client.disconnect()
    expect(vi.getTimerCount()).toBe(0)
    client.connect()
    await settle()
    expect(answers).toHaveLength(2)
    answers[1]!('fresh')
    answers[0]!('late')
    await settle()
    expect(client.getSnapshot().status).toBe('connected')
    expect(seen).toEqual(['fresh'])
  })
})
