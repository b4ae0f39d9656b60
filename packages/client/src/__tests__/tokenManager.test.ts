import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UnauthorizedError } from '../errors'
import { tokenManager } from '../tokenManager'
import { settle, testClient, useFakeTime } from './support/testClient'
import { closeNetwork, testNetwork } from './support/testNetwork'

beforeEach(() => {
  useFakeTime()
})
afterEach(async () => {
  await closeNetwork()
  vi.useRealTimers()
})

function schedule(callback: () => void, ms: number): () => void {
  const handle = setTimeout(callback, ms)
  return () => clearTimeout(handle)
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => (resolve = done))
  return { promise, resolve }
}

describe('TokenManager', () => {
  it('shares one getToken call among concurrent callers', async () => {
    const pending = deferred<string>()
    const getToken = vi.fn(() => pending.promise)
    const tokens = tokenManager(getToken, Date.now, schedule, 5000)
    const calls = [tokens.get('connect'), tokens.fetch('refresh'), tokens.get('connect')]
    pending.resolve('t1')
    expect(await Promise.all(calls)).toEqual(['t1', 't1', 't1'])
    expect(getToken).toHaveBeenCalledOnce()
  })

  it('reuses the token until shortly before the expiry the server gave, then asks again', async () => {
    let n = 0
    const getToken = vi.fn(() => `t${++n}`)
    const tokens = tokenManager(getToken, Date.now, schedule, 5000)
    await tokens.get('connect')
    tokens.accepted(10_000)
    vi.advanceTimersByTime(7000)
    expect(await tokens.get('connect')).toBe('t1')
    vi.advanceTimersByTime(1500)
    expect(await tokens.get('connect')).toBe('t2')
    expect(getToken).toHaveBeenCalledTimes(2)
  })

  it('calls getToken again after a failed call instead of caching the failure', async () => {
    const getToken = vi.fn().mockRejectedValueOnce(new Error('network')).mockResolvedValueOnce('t2')
    const tokens = tokenManager(getToken, Date.now, schedule, 5000)
    await expect(tokens.fetch('connect')).rejects.toMatchObject({ code: 'TOKEN_FAILED', retryable: true })
    await expect(tokens.fetch('connect')).resolves.toBe('t2')
  })

  it('maps UnauthorizedError to UNAUTHORIZED and anything that is not a token to TOKEN_FAILED', async () => {
    await expect(tokenManager(() => Promise.reject(new UnauthorizedError('signed out')), Date.now, schedule, 5000).fetch('connect')).rejects.toMatchObject({ code: 'UNAUTHORIZED', retryable: false })
    await expect(tokenManager(() => '' as string, Date.now, schedule, 5000).fetch('connect')).rejects.toMatchObject({ code: 'TOKEN_FAILED' })
  })

  it('can renew a refused token once, but not one fetched after a refusal, nor without getToken', () => {
    const tokens = tokenManager(() => 't', Date.now, schedule, 5000)
    expect(tokens.renewable).toBe(true)
    tokens.rejected()
    expect(tokens.renewable).toBe(false)
    tokens.accepted(undefined)
    expect(tokens.renewable).toBe(true)
    expect(tokenManager(undefined, Date.now, schedule, 5000).renewable).toBe(false)
  })
})

describe('token refresh in the client', () => {
  it('refreshes in-band before the token expires, on the same connection', async () => {
    const { network, client, tokenCalls } = testClient({}, testNetwork({ tokenLifetimeMs: 10_000 }))
    client.connect()
    await settle()
    await settle(7999)
    expect(network.sent('refresh')).toEqual([])
    await settle(1)
    expect(network.sent('refresh')).toEqual([expect.objectContaining({ token: 'token-2' })])
    await settle(8000)
    expect(tokenCalls).toEqual(['connect', 'refresh', 'refresh'])
    expect(network.sockets).toHaveLength(1)
    expect(client.stats().reconnects).toBe(0)
  })

  it('after a refused connect, forces one refresh, then stops with UNAUTHORIZED instead of retrying', async () => {
    const { network, client, tokenCalls, errors } = testClient({ reconnectDelay: () => 100 }, testNetwork({ acceptToken: () => false }))
    // sample: unauthorized
    client.connect()
    await settle(60_000)
    expect(tokenCalls).toEqual(['connect', 'rejected'])
    expect(network.sockets).toHaveLength(2)
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED' } })
    // end sample
    expect(errors).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED'])
  })

  it('after a refused in-band refresh, forces one more, then stops with UNAUTHORIZED', async () => {
    // The server takes the first token only.
    const { network, client, tokenCalls } = testClient({}, testNetwork({ tokenLifetimeMs: 10_000, acceptToken: (token) => token === 'token-1' }))
    client.connect()
    await settle(8000)
    expect(tokenCalls).toEqual(['connect', 'refresh', 'rejected'])
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED' } })
    expect(network.sockets).toHaveLength(1)
  })

  it('reconnects with a new token when the server closes for an expired token (4200)', async () => {
    const { network, client, tokenCalls } = testClient({ reconnectDelay: () => 100 })
    client.connect()
    await settle()
    network.mock.expireTokens()
    await settle(100)
    expect(tokenCalls).toEqual(['connect', 'rejected'])
    expect(network.sent('connect').map((command) => command.token)).toEqual(['token-1', 'token-2'])
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('backs off when getToken fails, and connects once it works', async () => {
    let failures = 2
    const getToken = vi.fn(() => (failures-- > 0 ? Promise.reject(new Error('token service down')) : Promise.resolve('t')))
    const { network, client, errors } = testClient({ getToken, reconnectDelay: { minMs: 1000, maxMs: 10_000 } })
    client.connect()
    await settle()
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryAt: Date.now() + 500 })
    await settle(500)
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryAt: Date.now() + 1000 })
    await settle(1000)
    expect(client.getSnapshot().status).toBe('connected')
    expect(getToken).toHaveBeenCalledTimes(3)
    expect(errors).toEqual(['TOKEN_FAILED', 'TOKEN_FAILED'])
    expect(network.sockets).toHaveLength(1)
  })

  it('gives up on a getToken call that never settles after connectTimeoutMs, backs off, and asks again', async () => {
    const getToken = vi.fn().mockReturnValueOnce(new Promise<string>(() => {})).mockResolvedValue('t')
    const { network, client, errors } = testClient({ getToken, connectTimeoutMs: 5000, reconnectDelay: () => 100 })
    client.connect()
    await settle(4999)
    expect(client.getSnapshot().status).toBe('connecting')
    await settle(1)
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', error: { code: 'TOKEN_FAILED', retryable: true } })
    expect(errors).toEqual(['TOKEN_FAILED'])
    await settle(100)
    expect(client.getSnapshot().status).toBe('connected')
    expect(getToken).toHaveBeenCalledTimes(2)
    expect(network.sockets).toHaveLength(1)
  })

  it('stops with UNAUTHORIZED, without opening a socket, when getToken throws UnauthorizedError', async () => {
    // sample: signed-out
    const { network, client } = testClient({ getToken: () => Promise.reject(new UnauthorizedError('signed out')) })
    client.connect()
    await settle(60_000)
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED' } })
    expect(network.sockets).toHaveLength(0)
    // end sample
  })

  it('never sends a refresh started for an older connection on a newer one', async () => {
    const late = deferred<string>()
    const { network, client } = testClient(
      {
        reconnectDelay: () => 100,
        getToken: ({ reason }) => (reason === 'refresh' ? late.promise : 'first'),
      },
      testNetwork({ tokenLifetimeMs: 20_000 }),
    )
    client.connect()
    await settle(16_000) // the refresh starts and waits for getToken
    network.socket.drop()
    await settle(100)
    expect(network.sockets).toHaveLength(2)
    late.resolve('late')
    await settle()
    expect(network.sent('refresh')).toEqual([])
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('stops with UNAUTHORIZED when getToken throws UnauthorizedError for an in-band refresh, and rejects what waits to be published', async () => {
    const { network, client, tokenCalls } = testClient(
      {
        getToken: ({ reason }) => {
          tokenCalls.push(reason)
          if (reason === 'refresh') throw new UnauthorizedError('signed out')
          return 'first'
        },
      },
      testNetwork({ tokenLifetimeMs: 10_000 }),
    )
    client.connect()
    await settle()
    // The link passes nothing from now on, so the publish below waits for its reply.
    network.mock.silenceWebSocketNow()
    const waiting = client.channel('board:1').publish('moved', 1).catch((error: Error) => error)
    await settle(8000)
    expect(tokenCalls).toEqual(['connect', 'refresh'])
    expect(client.getSnapshot()).toMatchObject({ status: 'disconnected', error: { code: 'UNAUTHORIZED', message: 'signed out' } })
    expect(await waiting).toMatchObject({ code: 'UNAUTHORIZED' })
    await settle(60_000)
    expect(network.sockets).toHaveLength(1)
  })

  it('keeps the connection when an in-band refresh times out in getToken, and reconnects with a new token once the server expires the old one', async () => {
    const { network, client, errors } = testClient(
      {
        connectTimeoutMs: 1000,
        reconnectDelay: () => 100,
        getToken: ({ reason }) => (reason === 'refresh' ? new Promise<string>(() => {}) : `token-${reason}`),
      },
      testNetwork({ tokenLifetimeMs: 10_000 }),
    )
    client.connect()
    await settle(9000)
    expect(errors).toEqual(['TOKEN_FAILED'])
    expect(client.getSnapshot().status).toBe('connected')
    expect(network.sockets).toHaveLength(1)
    network.mock.expireTokens()
    await settle(100)
    expect(network.sent('connect').map((command) => command.token)).toEqual(['token-connect', 'token-rejected'])
    expect(client.getSnapshot().status).toBe('connected')
  })

  it('with a token that has no expiry (no exp claim, or no JWT at all), never refreshes and reuses it after a reconnect', async () => {
    // A server that takes tokens without an expiry (the reference server refuses them unless told).
    const network = testNetwork({ requireTokenExpiry: false, verifyToken: async () => ({ sub: 'ada', roles: [] }) })
    const { client, tokenCalls } = testClient({ reconnectDelay: () => 100, getToken: () => (tokenCalls.push('connect'), 'not-a-jwt') }, network)
    client.connect()
    await settle()
    expect(network.sent('connect')).toEqual([expect.objectContaining({ token: 'not-a-jwt' })])
    await settle(3_600_000)
    network.socket.drop()
    await settle(100)
    expect(client.getSnapshot().status).toBe('connected')
    expect(network.sent('refresh')).toEqual([])
    expect(network.sent('connect').map((command) => command.token)).toEqual(['not-a-jwt', 'not-a-jwt'])
    expect(tokenCalls).toEqual(['connect'])
  })
})
