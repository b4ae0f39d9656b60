import { atMost, type GoalVerdict } from './benchSection'
import { findContest, LIFELINE, PHASE_NAME, PHASES, RAW, RAW_BATCHED, ratio, memoryOf, SOCKET_IO, type Contest } from './fanoutContest'
import { fixed, whole } from './markdownTable'
import type { Profile } from './profile'
import { pairedSpread, showSpread, spreadOf } from './spread'

/** The memory goal is in KB (1,000 bytes). */
const KB = 1000
/** Lifeline's budgets against the baselines of the same run. */
const CPU_OVER_RAW = 1.15
const CPU_OVER_SOCKET_IO = 0.7
const MEMORY_OVER_RAW_KB = 4

/** Lifeline's fan-out goals, each judged against the baselines of the same run. */
export function fanoutGoals(profile: Profile, contests: Contest[]): GoalVerdict[] {
  const size = Math.max(...profile.fanoutSizes)
  const overRaw = ratio(contests, size, 'fixedRate', RAW_BATCHED)
  const overSocketIo = ratio(contests, size, 'fixedRate', SOCKET_IO)
  const allOverRaw = ratio(contests, size, 'fixedRate', RAW_BATCHED, LIFELINE, 'cpuMicrosPerDelivery')
  const allOverSocketIo = ratio(contests, size, 'fixedRate', SOCKET_IO, LIFELINE, 'cpuMicrosPerDelivery')
  // Judged on heap used + external: the native part of a socket (its libuv handle, kernel buffers)
  // is the same net.Socket under both, while RSS moves in allocator and heap-page steps far larger
  // than a step's growth (see the RSS column).
  const lifelineHeap = memoryOf(findContest(contests, profile.memorySize, LIFELINE), 'heap')
  const rawHeap = memoryOf(findContest(contests, profile.memorySize, RAW), 'heap')
  const extra = pairedSpread(lifelineHeap, rawHeap, (a, b) => (a - b) / KB)
  const lifelineKb = spreadOf(lifelineHeap.map((bytes) => bytes / KB))
  const rssExtra = pairedSpread(memoryOf(findContest(contests, profile.memorySize, LIFELINE), 'rss'), memoryOf(findContest(contests, profile.memorySize, RAW), 'rss'), (a, b) => (a - b) / KB)
  return [
    {
      goal: `Fan-out CPU per delivery (idle cost subtracted), ${whole(size)} clients, fixed rate, against raw ws (same batching)`,
      target: `≤ ${fixed(CPU_OVER_RAW, 2)}×`,
      measured: `${showSpread(overRaw)}× (all CPU, heartbeats included: ${showSpread(allOverRaw)}×)`,
      verdict: atMost(overRaw, CPU_OVER_RAW),
    },
    {
      goal: `… against socket.io`,
      target: `≤ ${fixed(CPU_OVER_SOCKET_IO, 2)}×`,
      measured: `${showSpread(overSocketIo)}× (all CPU: ${showSpread(allOverSocketIo)}×)`,
      verdict: atMost(overSocketIo, CPU_OVER_SOCKET_IO),
    },
    {
      goal: `Memory per idle WebSocket connection, ${whole(profile.memorySize)} clients (heap used + external, over raw ws of the same run)`,
      target: `≤ raw ws + ${MEMORY_OVER_RAW_KB} KB`,
      measured: `+${showSpread(extra)} KB (Lifeline ${showSpread(lifelineKb, 1)} KB; RSS: +${showSpread(rssExtra, 1)} KB)`,
      verdict: atMost(extra, MEMORY_OVER_RAW_KB),
    },
  ]
}

/** A contender that failed, lost or duplicated a delivery, or did not connect every client. */
export function fanoutFailures(profile: Profile, contests: Contest[]): string[] {
  const found: string[] = []
  for (const contest of contests) {
    const where = `fan-out, ${contest.label}, ${contest.clients} clients`
    if (contest.error) found.push(`${where}: ${contest.error}`)
    else if (!contest.scenario || contest.scenario.connected !== contest.clients) found.push(`${where}: ${contest.scenario?.connected ?? 0} connected`)
    for (const phase of PHASES) {
      const results = contest.rounds[phase]
      if (!contest.error && results.filter(Boolean).length < profile.repetitions) found.push(`${where}, ${PHASE_NAME[phase]}: ${results.filter(Boolean).length} of ${profile.repetitions} repetitions`)
      for (const [round, result] of results.entries()) {
        if (result && result.lost !== 0) found.push(`${where}, ${PHASE_NAME[phase]} round ${round + 1}: ${result.lost > 0 ? `${result.lost} deliveries lost` : `${-result.lost} deliveries too many`}`)
      }
    }
  }
  return found
}
