import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server/msw'
import type { RealtimeClient, RealtimeError } from '../index'
import { memoryStorage } from './support/memoryStorage'
import { connectClient, mock, startMock, stopMock } from './support/mswNetwork'

// Long-polling and the move to it, against the Lifeline MSW handlers in jsdom: the same gateway
// the Node server runs, every transport in-process.

/** Subscribes and collects the `n` of every `{ n }` payload, once the server confirmed the subscription. */
async function collect(client: RealtimeClient, channel: string): Promise<number[]> {
  const received: number[] = []
  client.channel(channel).on('score', (data) => received.push((data as { n: number }).n))
  client.channel(channel).subscribe()
  await vi.waitFor(() => expect(client.channel(channel).state.status).toBe('subscribed'))
  return received
}

const publishAll = async (channel: string, numbers: number[]) => {
  for (const n of numbers) await mock.publish(channel, 'score', { n })
}
type Batch = { seq: number; frames: { type: string }[] }
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)

afterEach(stopMock)

describe('long-polling', () => {
  it('connects, receives messages once and in order (batched while no poll is out), and publishes', async () => {
    startMock()
    const client = connectClient({ transports: ['long-polling'] })
    await vi.waitFor(() => expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'long-polling' }))
    expect(mock.clients.map((info) => info.transport)).toEqual(['long-polling'])
    const received = await collect(client, 'board:1')
    await publishAll('board:1', range(1, 50))
    await vi.waitFor(() => expect(received).toEqual(range(1, 50)))
    await expect(client.channel('board:1').publish('score', { n: 51 })).resolves.toMatchObject({ duplicate: false, position: { offset: 51 } })
    await vi.waitFor(() => expect(received).toEqual(range(1, 51)))
  })

  it('polls again with the same ack when an answer is lost, and the server sends it again: nothing lost or repeated', async () => {
    startMock()
    const acks: number[] = []
    let dropped = 0
    // A proxy that loses the answers of two polls that carried frames (the requests did arrive).
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/poll')) return response
      acks.push((JSON.parse(String(init!.body)) as { ack: number }).ack)
      const body = await response.clone().text()
      if (dropped < 2 && body.includes('"score"')) {
        dropped += 1
        throw new TypeError('network error')
      }
      return response
    }
    const client = connectClient({ transports: ['long-polling'], fetch: lossy })
    const received = await collect(client, 'board:1')
    await publishAll('board:1', range(1, 5))
    await vi.waitFor(() => expect(received).toEqual(range(1, 5)))
    expect(dropped).toBe(2)
    // Each lost answer was asked for again with the ack before it.
    const repeated = acks.filter((ack, index) => index > 0 && ack === acks[index - 1])
    expect(repeated.length).toBeGreaterThanOrEqual(2)
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'long-polling' })
    expect(client.stats().reconnects).toBe(0)
  })

  it('drops a session whose poll answer is not a batch, reconnects, and recovers the messages in between', async () => {
    startMock()
    let mangled = 0
    // A proxy that replaces one poll answer with an HTML error page served as 200.
    const mangling: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/poll') || mangled > 0 || !(await response.clone().text()).includes('"score"')) return response
      mangled += 1
      return new Response('<html>gateway error</html>', { status: 200 })
    }
    const client = connectClient({ transports: ['long-polling'], fetch: mangling, reconnectDelay: { minMs: 10, maxMs: 10 } })
    const received = await collect(client, 'board:1')
    await publishAll('board:1', range(1, 5))
    await vi.waitFor(() => expect(client.stats().reconnects).toBe(1))
    await publishAll('board:1', range(6, 8))
    await vi.waitFor(() => expect(received).toEqual(range(1, 8)))
    expect(mangled).toBe(1)
  })

  it.each([
    ['lost the first frame of a batch', (batch: Batch) => ({ seq: batch.seq, frames: batch.frames.slice(1) })],
    ['went back before the last frame received', (batch: Batch) => ({ seq: 1, frames: batch.frames.slice(0, 1) })],
  ])('never skips or repeats a message when a poll answer %s', async (_, mangle) => {
    startMock()
    let gate: Promise<void> | undefined
    let open = () => {}
    let waiting = 0
    let mangled = 0
    // A server (or a proxy) whose poll answer does not follow on from the ack the poll carried; the
    // gate holds polls back, so the server piles up messages into one batch.
    const broken: typeof fetch = async (input, init) => {
      if (!String(input).endsWith('/poll')) return fetch(input, init)
      if (gate) waiting += 1
      await gate
      const response = await fetch(input, init)
      const batch = (await response.clone().json()) as Batch
      if (mangled > 0 || batch.frames.length < 3) return response
      mangled += 1
      return Response.json(mangle(batch))
    }
    const client = connectClient({ transports: ['long-polling'], fetch: broken, reconnectDelay: { minMs: 10, maxMs: 10 } })
    const received = await collect(client, 'board:1')
    const gaps: unknown[] = []
    client.channel('board:1').onGap((gap) => gaps.push(gap))
    gate = new Promise((resolve) => (open = resolve))
    // The poll out now is answered by the first message; the next waits at the gate.
    await publishAll('board:1', [1])
    await vi.waitFor(() => expect(waiting).toBe(1))
    await publishAll('board:1', range(2, 4))
    gate = undefined
    open()
    await vi.waitFor(() => expect(mangled).toBe(1))
    await publishAll('board:1', range(5, 6))
    await vi.waitFor(() => expect(received).toEqual(range(1, 6)))
    expect(gaps).toEqual([])
  })

  it('reconnects when the server no longer knows the session (a poll answered 404 SESSION_NOT_FOUND), and recovers the messages from the channel position', async () => {
    startMock()
    let forgotten = 0
    // The server lost the session (a restart without shared state) just as messages were published.
    const forgetful: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/poll') || forgotten > 0 || !(await response.clone().text()).includes('"score"')) return response
      forgotten += 1
      return Response.json({ error: { code: 'SESSION_NOT_FOUND', message: 'unknown session' } }, { status: 404 })
    }
    const client = connectClient({ transports: ['long-polling'], fetch: forgetful, reconnectDelay: { minMs: 10, maxMs: 10 } })
    const received = await collect(client, 'board:1')
    const gaps: unknown[] = []
    client.channel('board:1').onGap((gap) => gaps.push(gap))
    const errors: string[] = []
    client.on('error', (error) => errors.push(error.code))
    await publishAll('board:1', range(1, 3))
    await vi.waitFor(() => expect(client.stats().reconnects).toBe(1))
    await publishAll('board:1', range(4, 5))
    await vi.waitFor(() => expect(received).toEqual(range(1, 5)))
    expect(gaps).toEqual([])
    expect(errors).toEqual(['TRANSPORT_CLOSED'])
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'long-polling' })
  })

  it('aborts the poll the server holds, and a publish under way, on disconnect(): no request stays in flight', async () => {
    startMock()
    const requests = new Set<{ path: string }>()
    const inFlight = () => [...requests].map((request) => request.path).sort()
    let publishHeld = false
    const watching: typeof fetch = (input, init) => {
      const request = { path: new URL(String(input)).pathname }
      requests.add(request)
      // A publish whose answer never comes, until the client gives up on it.
      const answer = publishHeld && request.path === '/sse/send' ? new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason))) : fetch(input, init)
      return answer.finally(() => requests.delete(request))
    }
    const client = connectClient({ transports: ['long-polling'], fetch: watching })
    await collect(client, 'board:1')
    await vi.waitFor(() => expect(inFlight()).toEqual(['/poll']))
    publishHeld = true
    const publish = client.channel('board:1').publish('score', { n: 1 })
    await vi.waitFor(() => expect(inFlight()).toEqual(['/poll', '/sse/send']))
    client.disconnect()
    await expect(publish).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await vi.waitFor(() => expect(inFlight()).toEqual([]))
  })

  it.each(['/poll/connect', '/poll'])('reconnects at once when %s is answered with a JSON null, and recovers what it missed', async (path) => {
    startMock()
    let mangled = 0
    // A proxy that turns one answer into the JSON `null` with status 200.
    const mangling: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (new URL(String(input)).pathname !== path || mangled > 0 || (path === '/poll' && !(await response.clone().text()).includes('"score"'))) return response
      mangled += 1
      return Response.json(null)
    }
    const client = connectClient({ transports: ['long-polling'], fetch: mangling, reconnectDelay: { minMs: 10, maxMs: 10 } })
    const received = await collect(client, 'board:1')
    await publishAll('board:1', range(1, 3))
    await vi.waitFor(() => expect(received).toEqual(range(1, 3)), { timeout: 3000 })
    expect(mangled).toBe(1)
    expect(client.stats().reconnects).toBe(1)
  })

  it('takes over from an SSE stream a proxy holds back, says SSE_BUFFERED, and the next page load starts with long-polling', async () => {
    startMock()
    mock.faults.refuseWebSocket = true
    mock.faults.bufferSse = true
    const storage = memoryStorage()
    const errors: string[] = []
    // Probes of WebSocket every 50-100 ms: they fail, and must not take the diagnosis back to UPGRADE_REFUSED.
    const first = connectClient({ storage, fallbackAfterMs: 200, connectTimeoutMs: 1000, upgradeDelay: { minMs: 100, maxMs: 100 } })
    first.on('error', (error: RealtimeError) => errors.push(error.code))
    await vi.waitFor(() => expect(first.getSnapshot()).toMatchObject({ status: 'connected', transport: 'long-polling' }))
    const received = await collect(first, 'leaderboard')
    await publishAll('leaderboard', range(1, 3))
    await vi.waitFor(() => expect(received).toEqual(range(1, 3)))
    await vi.waitFor(() => expect(first.getSnapshot().diagnosis).toBe('SSE_BUFFERED'))
    // A probe confirmed the refusal: both are remembered, and what the client says stays SSE_BUFFERED.
    await vi.waitFor(() => expect([...storage.items.keys()].sort()).toEqual([`lifeline:sse:${mock.url}`, `lifeline:websocket:${mock.url}`]))
    expect(first.getSnapshot().diagnosis).toBe('SSE_BUFFERED')
    expect(errors).toEqual(['UPGRADE_REFUSED', 'SSE_BUFFERED'])
    first.disconnect()

    const requests: string[] = []
    const watching: typeof fetch = (input, init) => (requests.push(new URL(String(input)).pathname), fetch(input, init))
    const second = connectClient({ storage, fetch: watching })
    await vi.waitFor(() => expect(second.getSnapshot()).toMatchObject({ status: 'connected', transport: 'long-polling', diagnosis: 'SSE_BUFFERED' }))
    expect(requests[0]).toBe('/poll/connect')
    expect(requests).not.toContain('/sse/ticket')
  })

  it('refreshes the token in-band before it expires, on the same session', async () => {
    vi.useFakeTimers()
    startMock({ heartbeatMs: 300_000 })
    const reasons: string[] = []
    const client = connectClient({
      transports: ['long-polling'],
      livenessMs: 600_000,
      getToken: ({ reason }) => (reasons.push(reason), signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada', expiresInSeconds: 60 })),
    })
    const [session] = await mock.connected()
    await vi.waitFor(() => expect(client.getSnapshot().status).toBe('connected'))
    await vi.advanceTimersByTimeAsync(50_000)
    await vi.waitFor(() => expect(reasons).toEqual(['connect', 'refresh']))
    expect(mock.clients.map((info) => info.id)).toEqual([session!.id])
    expect(client.getSnapshot()).toMatchObject({ status: 'connected', transport: 'long-polling' })
  })
})
