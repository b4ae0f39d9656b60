import type { ConnectionKind } from './benchConnection'
import type { ServerKind } from './benchServer'
import type { PinnedChild } from './childProcess'
import { connectionSteps } from './connectionSteps'
import type { PhasePlan } from './profile'
import { publishInProcess, runPhase, type PhaseResult } from './runPhase'
import { startProcesses } from './startProcesses'
import { sleep } from './stats'

export interface ScenarioPlan {
  label: string
  server: ServerKind
  connection: ConnectionKind
  clients: number
  token: string
}

/** Server memory after GC (bytes). */
export interface Memory {
  rss: number
  committed: number
  heap: number
}

/** A contender with its clients connected and idle, ready to run measured phases. */
export interface Scenario {
  readonly plan: ScenarioPlan
  readonly server: PinnedChild
  readonly clients: PinnedChild
  readonly connected: number
  readonly connectSeconds: number
  readonly firstError?: string
  /**
   * Memory readings after each step of connections (empty when memory was not measured) and how
   * many clients each step added.
   */
  readonly memory: { readings: Memory[]; steps: number[] }
  stop(): Promise<void>
}

interface Joined {
  connected: number
  failed: number
  firstError?: string
}

/** A contender being set up (see `setUpScenarios`). */
interface Setup {
  plan: ScenarioPlan
  processes?: Awaited<ReturnType<typeof startProcesses>>
  url?: string
  connected: number
  steps: number[]
  connectMs: number
  firstError?: string
  readings: Memory[]
  error?: Error
}

/**
 * Starts each contender's server and client processes and connects its clients in steps
 * (`connectionSteps`), reading server memory between steps when `memorySteps` > 0. Contenders are
 * set up one after the other but idle together, so each wait is paid once. A contender that fails
 * comes back as its `Error`, the others carry on.
 */
export async function setUpScenarios(plans: ScenarioPlan[], { memorySteps, idleMs }: { memorySteps: number; idleMs: number }): Promise<(Scenario | Error)[]> {
  const setups: Setup[] = plans.map((plan) => ({ plan, connected: 0, steps: [], connectMs: 0, readings: [] }))
  const eachLive = async (action: (setup: Setup) => Promise<void>) => {
    for (const setup of setups) {
      if (setup.error) continue
      try {
        await action(setup)
      } catch (error) {
        setup.error = error instanceof Error ? error : new Error(String(error))
      }
    }
  }
  const server = (setup: Setup) => setup.processes!.servers[0]!
  const join = async (setup: Setup, count: number) => {
    const started = performance.now()
    const joined = await setup.processes!.clients.call<Joined>('connect', { kind: setup.plan.connection, url: setup.url, token: setup.plan.token, count, group: 'all', concurrency: 100 }, 240_000)
    setup.connectMs += performance.now() - started
    setup.firstError ??= joined.firstError
    if (joined.failed) throw new Error(`${joined.failed} of ${count} clients did not connect: ${joined.firstError}`)
    setup.connected += joined.connected
    setup.steps.push(joined.connected)
  }
  const readMemory = async () => {
    await sleep(idleMs)
    await eachLive(async (setup) => void setup.readings.push(await server(setup).call<Memory>('memory')))
  }
  const steps = connectionSteps(plans[0]?.clients ?? 0, memorySteps)
  await eachLive(async (setup) => {
    setup.processes = await startProcesses(1)
    setup.url = (await server(setup).call<{ url: string }>('start', { kind: setup.plan.server })).url
  })
  for (const count of steps) {
    await eachLive((setup) => join(setup, count))
    if (memorySteps > 0) await readMemory()
  }
  // Warm up the JIT and the sockets before anything is measured.
  await eachLive(async (setup) => {
    const warmUp = { publishes: 5, intervalMs: 0 }
    const result = await runPhase(publishInProcess(server(setup)), [server(setup)], setup.processes!.clients, warmUp, 5 * setup.connected)
    if (result.lost) throw new Error(`${result.lost} of ${5 * setup.connected} warm-up deliveries did not arrive`)
  })
  return Promise.all(setups.map(async (setup) => (setup.error ? (await setup.processes?.stop(), setup.error) : toScenario(setup))))
}

function toScenario({ plan, processes, connected, steps, connectMs, firstError, readings }: Setup): Scenario {
  return {
    plan,
    server: processes!.servers[0]!,
    clients: processes!.clients,
    connected,
    connectSeconds: connectMs / 1000,
    ...(firstError ? { firstError } : {}),
    memory: { readings, steps },
    stop: () => processes!.stop(),
  }
}

/** Growth per connection of `key` over each connection step after the first. */
export function perConnection(memory: Scenario['memory'], key: keyof Memory): number[] {
  return memory.readings.slice(1).map((reading, index) => (reading[key] - memory.readings[index]![key]) / memory.steps[index + 1]!)
}

/** One measured phase on a set-up contender, published in its server process. */
export function measurePhase(scenario: Scenario, plan: PhasePlan): Promise<PhaseResult> {
  return runPhase(publishInProcess(scenario.server), [scenario.server], scenario.clients, plan, plan.publishes * scenario.connected)
}

/**
 * The server's CPU time per second while its clients are connected and nothing is published:
 * heartbeats, their answers, timers. What every phase pays besides the fan-out.
 */
export async function measureIdle(scenario: Scenario, ms: number): Promise<number> {
  await scenario.server.call('cpuStart')
  const startedAt = performance.now()
  await sleep(ms)
  const { micros } = await scenario.server.call<{ micros: number }>('cpuStop')
  return micros / ((performance.now() - startedAt) / 1000)
}
