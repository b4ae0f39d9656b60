/**
 * The soak run (`pnpm test:soak`): a few hundred clients behind fault proxies in front of three
 * replicas on one Redis, one random fault after another while messages flow through every replica;
 * then an in-memory server SIGKILLed and restarted again and again under its own clients. It prints
 * a table of what every client got and fails on any silent loss, duplicate or reordering: a loss
 * is allowed only inside a `gap` the client reported.
 */
import { closeOpened } from '@lifeline/testkit/raw'
import { afterAll, expect, it } from 'vitest'
import { startHarness } from '../support/harness'
import { FAST } from './support/fast'
import { account, EMPTY_ACCOUNT, expectInvariant, sum, type Account, type Published } from './support/invariant'
import { publishOverHttp, startServerProcess } from './support/serverProcess'
import { CHANNELS, publishThroughAny, startFleet, stopFleet, type Fleet } from './support/soakFleet'
import { fuzzTally, SCENARIOS, type Scenario } from './support/soakScenarios'
import { NUMBERED, watch, type Watch } from './support/tally'

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 300)
/** The fleet's part of the run; the in-memory crash loop takes `CRASH_MS` more. */
const BUDGET_MS = Number(process.env.SOAK_MS ?? 95_000)
const CRASH_MS = Number(process.env.SOAK_CRASH_MS ?? 20_000)
/** Only the faults whose name contains one of these words (comma-separated), to chase one down. */
const ONLY = process.env.SOAK_FAULTS?.split(',') ?? []
/** One round: traffic, the fault for `FAULT_MS`, healing, then time for everyone to catch up. */
const FAULT_MS = 3000
const SETTLE_MS = 10_000
/** After the last round: time for clients still catching up to reconnect and recover, before the final count. */
const FINAL_SETTLE_MS = 30_000

const rows = new Map<string, { rounds: number; account: Account }>()
let fleet: Fleet | undefined
let fleetSummary = ''

afterAll(async () => {
  await closeOpened()
  if (fleet) await stopFleet(fleet)
  if (rows.size) console.log(`\n${fleetSummary}\n${render()}\n`)
})

it(`soak: ${CLIENTS} clients on three replicas, random faults for ${BUDGET_MS / 1000} s`, async () => {
  const soak = fleet = await startFleet(CLIENTS)
  await Promise.all(soak.watches.map((seen) => seen.subscribed))
  const traffic: Traffic = { published: perChannel(() => new Map()), refused: perChannel(() => new Set()) }
  const started = Date.now()
  const played: { name: string; inRound: Map<string, Published> }[] = []
  let deck: Scenario[] = []
  while (Date.now() - started < BUDGET_MS - FAULT_MS - SETTLE_MS) {
    // Random order, but every fault comes up before any comes up twice.
    if (!deck.length) deck = shuffle(SCENARIOS.filter(({ name }) => !ONLY.length || ONLY.some((word) => name.includes(word))))
    const scenario = deck.pop()!
    const inRound = await withinRoundLimit(playRound(soak, scenario, traffic), scenario.name)
    played.push({ name: scenario.name, inRound })
    // A client still reconnecting when the round ends has its messages to come: `pending` here,
    // silent only if they never come (judged once, after the last round).
    const total = sum(soak.watches.map((seen) => judgeRound(seen, inRound, traffic)))
    const stragglers = soak.clients.filter((client) => client.getSnapshot().status !== 'connected').length
    console.log(`round ${played.length}: ${scenario.name}: gap-covered ${total.gapCovered}, pending ${total.silent}, duplicated ${total.duplicated}, reordered ${total.reordered}, unacknowledged attempts delivered ${total.unacknowledged}, clients not connected ${stragglers}`)
  }
  // The final count: every client connected and every acknowledged message delivered or covered, or the time is up.
  const everything = (seen: Watch) => judgeRound(seen, traffic.published, traffic)
  const deadline = Date.now() + FINAL_SETTLE_MS
  while (Date.now() < deadline && !(soak.clients.every((client) => client.getSnapshot().status === 'connected') && soak.watches.every((seen) => everything(seen).silent === 0))) await pause(250)
  explainLosses(soak, soak.watches.map(everything))
  for (const { name, inRound } of played) addRow(name, soak.watches.map((seen) => judgeRound(seen, inRound, traffic)))
  fleetSummary = `Fleet: ${CLIENTS} clients (3/4 WebSocket-first, 1/4 SSE only) behind 4 fault proxies and a round-robin balancer, 3 replicas on one Redis, ${CHANNELS.length} channels, 2 per client, ${played.length} rounds in ${Math.round((Date.now() - started) / 1000)} s. Hostile payloads: ${fuzzTally.sent} sent (${fuzzTally.refused} refused, ${fuzzTally.accepted} delivered), ${fuzzTally.mismatches.length} outcomes differing from the oracle.`
  expect(fuzzTally.mismatches).toEqual([])
  expectInvariant([...rows.values()].map((row) => row.account), 'the fleet')
})

/** Every acknowledged `{ n }` per channel, and the numbers that had a refused attempt first. */
interface Traffic {
  published: Map<string, Published>
  refused: Map<string, Set<number>>
}

const perChannel = <T>(make: () => T) => new Map(CHANNELS.map((channel) => [channel, make()]))

/** One watch's account of the messages of `inRound` (one round's, or all of them). */
function judgeRound(seen: Watch, inRound: Map<string, Published>, { published, refused }: Traffic): Account {
  return account(inRound.get(seen.channel)!, seen, published.get(seen.channel), refused.get(seen.channel))
}

it(`soak: an in-memory server SIGKILLed mid-stream every 3 s for ${CRASH_MS / 1000} s`, async () => {
  const server = await startServerProcess()
  const harness = await startHarness({})
  try {
    const channels = ['board:crash1', 'board:crash2']
    const watches: Watch[] = []
    for (let index = 0; index < 40; index++) {
      const client = harness.client({ ...FAST, url: server.url, sub: `crash${index}`, ...(index % 2 ? { transports: ['sse'] } : {}) })
      client.connect()
      watches.push(watch(client, channels[index % 2]!))
    }
    await Promise.all(watches.map((seen) => seen.subscribed))
    const published = new Map(channels.map((channel) => [channel, new Map() as Published]))
    const started = Date.now()
    let kills = 0
    let nextKill = started + 3000
    for (let turn = 0; Date.now() - started < CRASH_MS; turn++) {
      const channel = channels[turn % 2]!
      const numbers = published.get(channel)!
      const position = await publishOverHttp(server, { channel, event: NUMBERED, data: { n: numbers.size + 1 }, key: `${channel}:${numbers.size + 1}` })
      if (position) numbers.set(numbers.size + 1, position)
      // Killed between two publishes, while their fan-out is on the way: a request cut mid-flight
      // and retried would be published twice, since its idempotency key dies with the process.
      if (position && Date.now() >= nextKill) {
        await server.kill()
        await server.start()
        kills += 1
        nextKill = Date.now() + 3000
      }
      await new Promise((resolve) => setTimeout(resolve, position ? 10 : 50))
    }
    const judge = () => watches.map((seen) => account(published.get(seen.channel)!, seen))
    const deadline = Date.now() + SETTLE_MS
    while (Date.now() < deadline && judge().some((one) => one.silent > 0)) await new Promise((resolve) => setTimeout(resolve, 250))
    const accounts = judge()
    rows.set('in-memory server SIGKILLed mid-stream, restarted empty', { rounds: kills, account: sum(accounts) })
    console.log(`in-memory crash loop: ${kills} kills, ${JSON.stringify(sum(accounts))}`)
    expectInvariant(accounts, 'the crash loop')
  } finally {
    await harness.close()
    await server.close()
  }
})

/** A round that hangs fails with its scenario's name, not with the whole run's timeout. */
function withinRoundLimit<T>(round: Promise<T>, name: string): Promise<T> {
  const limitMs = FAULT_MS + SETTLE_MS + 45_000
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`round "${name}" did not end within ${limitMs} ms`)), limitMs)))
  return Promise.race([round, limit]).finally(() => clearTimeout(timer))
}

function addRow(name: string, accounts: Account[]): void {
  const row = rows.get(name) ?? { rounds: 0, account: { ...EMPTY_ACCOUNT } }
  rows.set(name, { rounds: row.rounds + 1, account: sum([row.account, ...accounts]) })
}

/**
 * Traffic through every replica throughout; the fault for `FAULT_MS`; healing; then until every
 * client is connected and has every message of the round or a gap over it (at most `SETTLE_MS`).
 * Answers the messages acknowledged in the round, per channel.
 */
async function playRound(fleet: Fleet, scenario: Scenario, traffic: Traffic): Promise<Map<string, Published>> {
  const { clients, watches } = fleet
  const inRound = perChannel(() => new Map() as Published)
  let publishing = true
  const turn = { next: 0 }
  const publisher = (async () => {
    for (let index = 0; publishing; index++) {
      const channel = CHANNELS[index % CHANNELS.length]!
      const all = traffic.published.get(channel)!
      if (await publishThroughAny(fleet, channel, all, traffic.refused.get(channel)!, turn, () => !publishing)) inRound.get(channel)!.set(all.size, all.get(all.size)!)
      await pause(10)
    }
  })()
  await pause(500)
  await scenario.apply(fleet)
  await pause(FAULT_MS)
  await scenario.heal?.(fleet)
  await pause(1000)
  publishing = false
  await publisher
  const settled = () => clients.every((client) => client.getSnapshot().status === 'connected') && watches.every((seen) => judgeRound(seen, inRound, traffic).silent === 0)
  const deadline = Date.now() + SETTLE_MS
  while (Date.now() < deadline && !settled()) await pause(250)
  return inRound
}

/** Prints the first few silent losses with what their clients were doing, to chase them down. */
function explainLosses({ clients, watches, errorsOf }: Fleet, accounts: Account[]): void {
  for (const index of accounts.flatMap((one, at) => (one.silent ? [at] : [])).slice(0, 3)) {
    const seen = watches[index]!
    const client = clients[Math.floor(index / 2)]!
    const { state } = client.channel(seen.channel)
    console.log('  silent:', JSON.stringify({ client: Math.floor(index / 2), channel: seen.channel, snapshot: client.getSnapshot(), state, lastReceived: seen.received.at(-1), gaps: seen.gaps.slice(-2), errors: errorsOf.get(client)?.slice(-4) }))
  }
}

function render(): string {
  const lines = [
    'Counts are per client: one acknowledged message counts once for every client subscribed to its channel.',
    '',
    '| Scenario | Rounds | Acknowledged | Delivered | Gap-covered | Silent | Duplicated | Reordered | Unacknowledged attempts delivered |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const entries = [...rows].sort(([a], [b]) => a.localeCompare(b))
  const total = { rounds: entries.reduce((count, [, row]) => count + row.rounds, 0), account: sum(entries.map(([, row]) => row.account)) }
  for (const [name, { rounds, account: a }] of [...entries, ['**Total**', total] as const]) {
    lines.push(`| ${name} | ${rounds} | ${a.acknowledged} | ${a.delivered} | ${a.gapCovered} | ${a.silent} | ${a.duplicated} | ${a.reordered} | ${a.unacknowledged} |`)
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
