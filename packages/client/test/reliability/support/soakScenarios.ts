import type { FaultProxy } from '@lifeline/mock-server'
import { replyTo, SseClient, WsClient } from '@lifeline/testkit/raw'
import { expectedFor, hostilePayload, seeded } from './hostilePayloads'
import { API_KEY, CHANNELS, rebalance, startReplica, stopReplica, type Fleet } from './soakFleet'

/** A fault: `apply` starts it, `heal` (if any) ends it `FAULT_MS` later. */
export interface Scenario {
  name: string
  apply(fleet: Fleet): Promise<void> | void
  heal?(fleet: Fleet): Promise<void> | void
}

/** What the hostile-payload rounds sent, and every outcome that differed from the oracle's. */
export const fuzzTally = { sent: 0, refused: 0, accepted: 0, mismatches: [] as string[] }

const everyProxy = (change: (proxy: FaultProxy) => void) => (fleet: Fleet) => fleet.proxies.forEach(change)
const anyReplica = (fleet: Fleet) => fleet.replicas[Math.floor(Math.random() * fleet.replicas.length)]!
let stopFuzzing: (() => Promise<void>) | undefined

export const SCENARIOS: Scenario[] = [
  { name: 'all connections cut at a proxy', apply: everyProxy((proxy) => proxy.cut()) },
  {
    name: 'WebSocket blocked at the proxy mid-stream',
    apply: everyProxy((proxy) => ((proxy.upgrades = 'refuse'), proxy.cut('websocket'))),
    heal: everyProxy((proxy) => (proxy.upgrades = 'pass')),
  },
  {
    name: 'upgrade accepted, then silent',
    apply: everyProxy((proxy) => ((proxy.upgrades = 'silent'), proxy.cut('websocket'))),
    heal: everyProxy((proxy) => (proxy.upgrades = 'pass')),
  },
  { name: 'SSE buffered by the proxy', apply: everyProxy((proxy) => (proxy.sseBufferBytes = 1 << 20)), heal: everyProxy((proxy) => (proxy.sseBufferBytes = 0)) },
  { name: 'latency 300 ms', apply: everyProxy((proxy) => (proxy.latencyMs = 300)), heal: everyProxy((proxy) => (proxy.latencyMs = 0)) },
  { name: 'bandwidth 2 KB/s per connection', apply: everyProxy((proxy) => (proxy.bytesPerSecond = 2000)), heal: everyProxy((proxy) => (proxy.bytesPerSecond = 0)) },
  { name: 'links dead without a close (sleep, NAT)', apply: everyProxy((proxy) => proxy.blackhole()) },
  { name: 'tokens expired by the server', apply: ({ replicas }) => replicas.forEach(({ server }) => server.expireTokens()) },
  { name: 'everyone told to reconnect (4101)', apply: ({ replicas }) => replicas.forEach(({ server }) => server.disconnectAll({ code: 4101, retryAfterMs: 2000 })) },
  { name: 'a replica restarted', apply: (fleet) => anyReplica(fleet).server.restart({ downtimeMs: 500 }) },
  {
    name: 'Redis SIGKILLed, then restarted empty (three replicas)',
    apply: ({ redis }) => redis.kill(),
    heal: ({ redis }) => redis.start(),
  },
  {
    name: 'a replica replaced while Redis is down, started before Redis is up',
    async apply(fleet) {
      await fleet.redis.kill()
      const index = Math.floor(Math.random() * fleet.replicas.length)
      const old = fleet.replicas[index]!
      fleet.replicas[index] = await startReplica(fleet.redis, { awaitReady: false })
      rebalance(fleet)
      await stopReplica(old)
    },
    heal: ({ redis }) => redis.start(),
  },
  {
    name: 'hostile payloads through every entry of every replica',
    apply(fleet) {
      stopFuzzing = fuzz(fleet)
    },
    heal: () => stopFuzzing?.(),
  },
]

/**
 * Sends hostile payloads on the soak's channels (event `h`, which the clients receive and decode
 * but do not count) through each replica's WebSocket, SSE upstream and publish API, in turn,
 * checking every outcome against the oracle, until the returned stop is called.
 */
function fuzz(fleet: Fleet): () => Promise<void> {
  let running = true
  const random = seeded(Math.floor(Math.random() * 1e9))
  const done = (async () => {
    const token = await fleet.harness.token('fuzzer')
    const entries = await Promise.all(
      fleet.replicas.map(async ({ server }) => ({ url: server.url, socket: await WsClient.connect(server, token), stream: await SseClient.connect(server, token) })),
    )
    let id = 10
    try {
      for (let turn = 0; running; turn++) {
        const { url, socket, stream } = entries[turn % entries.length]!
        const raw = hostilePayload(random)
        const channel = CHANNELS[turn % CHANNELS.length]!
        const command = `{"id":${++id},"type":"publish","channel":"${channel}","event":"h","key":"f${id}","data":${raw}}`
        let outcome: string
        let frameBytes = Buffer.byteLength(command)
        const entry = Math.floor(turn / entries.length) % 3
        if (entry === 0) {
          socket.send(command)
          const reply = await socket.frame(replyTo(id))
          outcome = reply.type === 'reply' && reply.ok ? 'accepted' : reply.type === 'reply' && !reply.ok ? reply.error.code : 'none'
        } else if (entry === 1) {
          const posted = await stream.post({ url }, command)
          const reply = posted.status === 202 ? await stream.frame(replyTo(id)) : undefined
          outcome = !reply ? posted.body.error.code : reply.type === 'reply' && reply.ok ? 'accepted' : reply.type === 'reply' && !reply.ok ? reply.error.code : 'none'
        } else {
          const body = `{"channel":"${channel}","event":"h","key":"f${id}","data":${raw}}`
          frameBytes = body.length
          const response = await fetch(`${url}/publish`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body })
          outcome = response.status === 200 ? 'accepted' : ((await response.json()) as { error: { code: string } }).error.code
        }
        const expected = expectedFor(raw, frameBytes)
        const want = expected.deliver ? 'accepted' : expected.code
        fuzzTally.sent += 1
        fuzzTally[outcome === 'accepted' ? 'accepted' : 'refused'] += 1
        if (outcome !== want) fuzzTally.mismatches.push(`${['WebSocket', 'SSE', 'API'][entry]}: ${outcome} instead of ${want} for ${raw.slice(0, 120)}`)
        await new Promise((resolve) => setTimeout(resolve, 15))
      }
    } finally {
      for (const { socket, stream } of entries) socket.close(), stream.close()
    }
  })()
  return async () => {
    running = false
    await done
  }
}
