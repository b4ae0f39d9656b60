// Many benchmark client connections in one process (pinned to a core by the parent), in named
// groups (one per replica in the cross-replica run), recording publish-to-receive latency.
import type { BenchConnection, Connect, ConnectionKind } from './benchConnection'
import { serveParent } from './childProcess'
import { LatencyRecorder, type LatencySummary } from './latencyRecorder'
import { connectLifelineSse } from './lifelineSseConnection'
import { connectLifelineWs } from './lifelineWsConnection'
import { connectRawWs } from './rawWsConnection'
import { connectSocketIo } from './socketIoConnection'
import { waitUntil } from './stats'

const CONNECTORS: Record<ConnectionKind, Connect> = {
  lifeline: connectLifelineWs,
  'lifeline-sse': connectLifelineSse,
  ws: connectRawWs,
  'socket.io': connectSocketIo,
}

interface ConnectArgs {
  kind: ConnectionKind
  url: string
  token: string
  count: number
  group: string
  /** Connection attempts in flight at once. */
  concurrency: number
}

const connections: BenchConnection[] = []
const groups = new Map<string, LatencyRecorder>()
let expected = 0

async function connect({ kind, url, token, count, group, concurrency }: ConnectArgs): Promise<{ connected: number; failed: number; firstError?: string }> {
  const recorder = groups.get(group) ?? new LatencyRecorder()
  groups.set(group, recorder)
  const onTick = recorder.record.bind(recorder)
  let started = 0
  let failed = 0
  let firstError: string | undefined
  const worker = async () => {
    while (started < count) {
      started += 1
      try {
        connections.push(await CONNECTORS[kind]({ url, token, onTick }))
      } catch (error) {
        failed += 1
        firstError ??= error instanceof Error ? error.message : String(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { connected: count - failed, failed, ...(firstError ? { firstError } : {}) }
}

const totalReceived = () => [...groups.values()].reduce((sum, recorder) => sum + recorder.received, 0)

serveParent({
  connect: (args) => connect(args as unknown as ConnectArgs),
  /** Starts a phase in which `count` deliveries are due across all groups. */
  expect({ count }) {
    expected = count as number
    for (const recorder of groups.values()) recorder.reset()
  },
  /** Waits (bounded) until the phase's deliveries arrived; answers each group's summary. */
  async settle({ timeoutMs }): Promise<Record<string, LatencySummary>> {
    await waitUntil(() => totalReceived() >= expected, timeoutMs as number, 5)
    return Object.fromEntries([...groups].map(([name, recorder]) => [name, recorder.summary()]))
  },
  close() {
    for (const connection of connections.splice(0)) connection.close()
  },
})
