/**
 * The soak run (`pnpm test:soak`): a few hundred clients behind fault proxies, one random fault after
 * another for about two minutes while messages keep flowing, then a table of what every client got.
 * Losses are allowed only where a `gap` event announced them; duplicates and reordering never.
 */
import { createFaultProxy, type FaultProxy } from '@lifeline/mock-server'
import { RedisBroker } from '@lifeline/mock-server/redis'
import { afterAll, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import type { RealtimeClient } from '../../src/index'
import { startHarness, type Harness } from '../support/harness'
import { FAST } from './support/fast'
import { NUMBERED, sum, verdict, watch, type Published, type Verdict, type Watch } from './support/tally'

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 300)
const BUDGET_MS = Number(process.env.SOAK_MS ?? 120_000)
const CHANNELS = ['board:1', 'board:2', 'board:3', 'board:4']
const PROXIES = 4
/** Only the faults whose name contains one of these words (comma-separated), to chase one down. */
const ONLY = process.env.SOAK_FAULTS?.split(',') ?? []
/** One round: traffic, the fault for `FAULT_MS`, healing, then time for everyone to catch up. */
const FAULT_MS = 3000
const SETTLE_MS = 10_000

interface Fleet {
  harness: Harness
  redis: RedisServer
  broker: RedisBroker
  proxies: FaultProxy[]
  clients: RealtimeClient[]
  /** Two per client, in client order. */
  watches: Watch[]
  errorsOf: Map<RealtimeClient, string[]>
}

type Scenario = { name: string; apply(fleet: Fleet): Promise<void> | void; heal?(fleet: Fleet): Promise<void> | void }

const everyProxy = (change: (proxy: FaultProxy) => void) => (fleet: Fleet) => fleet.proxies.forEach(change)
const SCENARIOS: Scenario[] = [
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
  { name: 'tokens expired by the server', apply: ({ harness }) => harness.server.expireTokens() },
  { name: 'everyone told to reconnect (4101)', apply: ({ harness }) => harness.server.disconnectAll({ code: 4101, retryAfterMs: 2000 }) },
  { name: 'server restart', apply: ({ harness }) => harness.server.restart({ downtimeMs: 500 }) },
  {
    name: 'Redis killed, then restarted empty',
    apply: ({ redis }) => redis.kill(),
    heal: ({ redis }) => redis.start(),
  },
]

const rows = new Map<string, { rounds: number; verdict: Verdict }>()
let fleet: Fleet | undefined

afterAll(async () => {
  if (!fleet) return
  await fleet.harness.close()
  await fleet.broker.close()
  for (const proxy of fleet.proxies) await proxy.close()
  await fleet.redis.kill()
})

it(`soak: ${CLIENTS} clients, random faults for ${BUDGET_MS / 1000} s`, async () => {
  fleet = await startFleet()
  await Promise.all(fleet.watches.map((seen) => seen.subscribed))
  const published = new Map(CHANNELS.map((channel) => [channel, new Map() as Published]))
  const started = Date.now()
  let rounds = 0
  let deck: Scenario[] = []
  while (Date.now() - started < BUDGET_MS - FAULT_MS - SETTLE_MS) {
    // Random order, but every fault comes up before any comes up twice.
    if (!deck.length) deck = shuffle(SCENARIOS.filter(({ name }) => !ONLY.length || ONLY.some((word) => name.includes(word))))
    const scenario = deck.pop()!
    const verdicts = await playRound(fleet, scenario, published)
    const row = rows.get(scenario.name) ?? { rounds: 0, verdict: sum([]) }
    rows.set(scenario.name, { rounds: row.rounds + 1, verdict: sum([row.verdict, ...verdicts]) })
    rounds += 1
    const total = sum(verdicts)
    const stragglers = fleet.clients.filter((client) => client.getSnapshot().status !== 'connected').length
    console.log(`round ${rounds}: ${scenario.name}: lost ${total.lost}, unannounced ${total.lostUnannounced}, clients not connected ${stragglers}`)
    explainLosses(fleet, verdicts)
  }

  console.log(`\n${render(rows, { clients: CLIENTS, seconds: Math.round((Date.now() - started) / 1000), rounds })}\n`)
  const total = sum([...rows.values()].map((row) => row.verdict))
  expect(total.lostUnannounced).toBe(0)
  expect(total.duplicated).toBe(0)
  expect(total.reordered).toBe(0)
})

async function startFleet(): Promise<Fleet> {
  const redis = await startRedis()
  const broker = new RedisBroker({ url: redis.url, reconnectMaxDelayMs: 500, log: () => {} })
  await broker.ready()
  const harness = await startHarness({ broker, heartbeatMs: 1000 })
  const proxies: FaultProxy[] = []
  for (let index = 0; index < PROXIES; index++) proxies.push(await createFaultProxy({ target: harness.server.url }))
  const clients: RealtimeClient[] = []
  const watches: Watch[] = []
  const errorsOf = new Map<RealtimeClient, string[]>()
  for (let index = 0; index < CLIENTS; index++) {
    // A quarter of the clients can only use SSE, as behind a proxy that never allows WebSocket.
    const client = harness.client({ ...FAST, livenessMs: 2000, url: proxies[index % PROXIES]!.url, sub: `user${index}`, ...(index % 4 === 3 ? { transports: ['sse'] } : {}) })
    const errors: string[] = []
    errorsOf.set(client, errors)
    client.on('error', (error) => errors.push(`${error.code} ${error.message}`))
    client.connect()
    clients.push(client)
    watches.push(watch(client, CHANNELS[index % CHANNELS.length]!), watch(client, CHANNELS[(index + 1) % CHANNELS.length]!))
  }
  return { harness, redis, broker, proxies, clients, watches, errorsOf }
}

/**
 * Traffic throughout; the fault for `FAULT_MS`; healing; then until every client is connected and
 * has every message of the round or a gap over it (at most `SETTLE_MS`). One verdict per watch.
 */
async function playRound(fleet: Fleet, scenario: Scenario, published: Map<string, Published>): Promise<Verdict[]> {
  const { harness, clients, watches } = fleet
  const inRound = new Map(CHANNELS.map((channel) => [channel, new Map() as Published]))
  let publishing = true
  const traffic = (async () => {
    for (let turn = 0; publishing; turn++) {
      const channel = CHANNELS[turn % CHANNELS.length]!
      const all = published.get(channel)!
      const n = all.size + 1
      try {
        // The key makes a retry after an unclear failure safe: never two positions for one n.
        const { position } = await harness.server.publish(channel, NUMBERED, { n }, `${channel}:${n}`)
        all.set(n, position)
        inRound.get(channel)!.set(n, position)
      } catch {
        // Redis just died and the broker has not noticed yet: try the same number again.
      }
      await pause(10)
    }
  })()
  await pause(500)
  await scenario.apply(fleet)
  await pause(FAULT_MS)
  await scenario.heal?.(fleet)
  await pause(1000)
  publishing = false
  await traffic
  const judge = (seen: Watch) => verdict(inRound.get(seen.channel)!, seen, published.get(seen.channel))
  const settled = () => clients.every((client) => client.getSnapshot().status === 'connected') && watches.every((seen) => judge(seen).lostUnannounced === 0)
  const deadline = Date.now() + SETTLE_MS
  while (Date.now() < deadline && !settled()) await pause(250)
  return watches.map(judge)
}

/** Prints the first few unexplained losses with what their clients were doing, to chase them down. */
function explainLosses({ clients, watches, errorsOf }: Fleet, verdicts: Verdict[]): void {
  for (const index of verdicts.flatMap((one, at) => (one.lostUnannounced ? [at] : [])).slice(0, 3)) {
    const seen = watches[index]!
    const client = clients[Math.floor(index / 2)]!
    const { state } = client.channel(seen.channel)
    console.log('  unexplained:', JSON.stringify({ client: Math.floor(index / 2), channel: seen.channel, snapshot: client.getSnapshot(), state, lastReceived: seen.received.at(-1), gaps: seen.gaps.slice(-2), errors: errorsOf.get(client)?.slice(-4) }))
  }
}

function render(table: Map<string, { rounds: number; verdict: Verdict }>, { clients, seconds, rounds }: { clients: number; seconds: number; rounds: number }): string {
  const lines = [
    `Soak: ${clients} clients (3/4 WebSocket-first, 1/4 SSE only), ${CHANNELS.length} channels, 2 per client, ${rounds} rounds in ${seconds} s.`,
    'Counts are deliveries: one published message counts once per subscribed client.',
    '',
    '| Scenario | Rounds | Published | Delivered | Lost | Lost, announced by `gap` | Duplicated | Reordered |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const entries = [...table].sort(([a], [b]) => a.localeCompare(b))
  for (const [name, { rounds: count, verdict: v }] of [...entries, ['**Total**', { rounds, verdict: sum(entries.map(([, row]) => row.verdict)) }] as const]) {
    lines.push(`| ${name} | ${count} | ${v.published} | ${v.delivered} | ${v.lost} | ${v.lost - v.lostUnannounced} | ${v.duplicated} | ${v.reordered} |`)
  }
  return lines.join('\n')
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items]
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1))
    ;[copy[index], copy[other]] = [copy[other]!, copy[index]!]
  }
  return copy
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
