// One server under test in its own process (pinned to a core by the parent), driven over IPC:
// start, measure memory, count CPU time, publish at a fixed rate or in a burst, close.
import { Session } from 'node:inspector/promises'
import { serveParent } from './childProcess'
import { hotSpots, type CpuProfile } from './cpuProfileSummary'
import { TICK_FILLER, type BenchServer, type ServerStartOptions } from './benchServer'
import { startLifelineServer } from './lifelineBenchServer'
import { startRawWsServer } from './rawWsBenchServer'
import { startSocketIoServer } from './socketIoBenchServer'
import { monotonicMicros, sleep } from './stats'

let server: BenchServer | undefined
let cpuAtStart = process.cpuUsage()
let seq = 0
/** The V8 profiler of this process, for the profile suite (attached on first use). */
let inspector: Session | undefined

async function start({ kind, redisUrl }: ServerStartOptions): Promise<{ url: string }> {
  if (kind === 'lifeline') server = await startLifelineServer(redisUrl)
  else if (kind === 'ws' || kind === 'ws-batched') server = await startRawWsServer({ batchPerTurn: kind === 'ws-batched' })
  else server = await startSocketIoServer(redisUrl)
  return { url: server.url }
}

/**
 * After full collections (the process runs with --expose-gc): RSS, the V8 heap's committed size,
 * and the heap in use plus off-heap buffers (`external`).
 */
async function memory(): Promise<{ rss: number; committed: number; heap: number }> {
  for (let round = 0; round < 3; round++) {
    globalThis.gc?.()
    await sleep(50)
  }
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage()
  return { rss, committed: heapTotal, heap: heapUsed + external }
}

/**
 * Publishes `count` ticks, one every `intervalMs` on a drift-free schedule, or back to back when
 * `intervalMs` is 0 (burst). Answers the first and last publish times.
 */
async function publish({ count, intervalMs }: { count: number; intervalMs: number }): Promise<{ first: number; last: number }> {
  if (!server) throw new Error('not started')
  const target = server
  const pending: unknown[] = []
  const startedAt = performance.now()
  let first = 0
  let last = 0
  for (let index = 0; index < count; index++) {
    if (intervalMs > 0) {
      const due = startedAt + index * intervalMs - performance.now()
      if (due > 0) await sleep(due)
    }
    last = monotonicMicros()
    if (index === 0) first = last
    pending.push(target.publish({ seq: ++seq, t: last, text: TICK_FILLER }))
  }
  await Promise.all(pending)
  return { first, last }
}

serveParent({
  start: (args) => start(args as unknown as ServerStartOptions),
  memory,
  cpuStart() {
    cpuAtStart = process.cpuUsage()
  },
  cpuStop() {
    const { user, system } = process.cpuUsage(cpuAtStart)
    return { micros: user + system }
  },
  publish: (args) => publish(args as { count: number; intervalMs: number }),
  async profileStart() {
    inspector ??= new Session()
    inspector.connect()
    await inspector.post('Profiler.enable')
    await inspector.post('Profiler.setSamplingInterval', { interval: 100 })
    await inspector.post('Profiler.start')
  },
  /** Stops profiling; answers the top self-time functions since `profileStart`. */
  async profileStop({ top }) {
    if (!inspector) throw new Error('profiler not started')
    const { profile } = (await inspector.post('Profiler.stop')) as { profile: CpuProfile }
    inspector.disconnect()
    return hotSpots(profile, top as number)
  },
  async close() {
    await server?.close()
    server = undefined
  },
})
