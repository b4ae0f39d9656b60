import type { BenchSection } from './benchSection'
import { CONTENDERS, PHASES, type Contest } from './fanoutContest'
import { fanoutFailures, fanoutGoals } from './fanoutGoals'
import { measureIdle, measurePhase, setUpScenarios } from './fanoutScenario'
import { fixed } from './markdownTable'
import { phasePlans, type PhasePlan, type Profile } from './profile'
import { renderFanout } from './renderFanout'
import type { PhaseResult } from './runPhase'

/**
 * Server fan-out: at each size every contender is set up first (idle, in its own pair of pinned
 * processes), then the phases run interleaved, each round in a rotated order (A B C D E, B C D E
 * A, …), so a change in the load from the rest of the machine hits every contender alike and no
 * contender always runs first.
 */
export async function runFanoutSuite(profile: Profile, token: string, log: (line: string) => void): Promise<BenchSection> {
  const contests: Contest[] = []
  for (const clients of profile.fanoutSizes) contests.push(...(await runSize(profile, clients, token, log)))
  return { title: 'Server fan-out', markdown: renderFanout(profile, contests), goals: fanoutGoals(profile, contests), failures: fanoutFailures(profile, contests) }
}

async function runSize(profile: Profile, clients: number, token: string, log: (line: string) => void): Promise<Contest[]> {
  const contests: Contest[] = CONTENDERS.map((contender) => ({ label: contender.label, clients, rounds: { fixedRate: [], burst: [] }, idle: [] }))
  const fail = (contest: Contest, error: unknown) => {
    contest.error ??= error instanceof Error ? error.message : String(error)
    log(`  ${contest.label} failed: ${contest.error}`)
  }
  try {
    const memorySteps = clients === profile.memorySize ? profile.memorySteps : 0
    log(`fan-out: ${clients} clients: setting up ${CONTENDERS.length} contenders${memorySteps ? `, reading memory in ${memorySteps + 1} steps` : ''}`)
    const setUp = await setUpScenarios(
      CONTENDERS.map((contender) => ({ ...contender, clients, token })),
      { memorySteps, idleMs: profile.memoryIdleMs },
    )
    for (const [index, outcome] of setUp.entries()) {
      const contest = contests[index]!
      if (outcome instanceof Error) fail(contest, outcome)
      else {
        contest.scenario = outcome
        log(`  ${contest.label}: ${outcome.connected} connected in ${fixed(outcome.connectSeconds)} s`)
      }
    }
    const plans = phasePlans(profile, clients)
    for (let round = 0; round < profile.repetitions; round++) {
      const order = contests.map((_, index) => contests[(index + round) % contests.length]!)
      for (const phase of PHASES) {
        for (const contest of order) {
          if (phase === 'fixedRate') contest.idle[round] = await idle(contest, profile.idleWindowMs, fail)
          contest.rounds[phase][round] = await measure(contest, plans[phase], fail)
        }
      }
      const cpu = contests.map((contest) => fixed(contest.rounds.fixedRate[round]?.cpuMicrosPerDelivery ?? Number.NaN, 2)).join(' / ')
      log(`  round ${round + 1}: fixed-rate server CPU µs/delivery ${cpu} (${contests.map((contest) => contest.label).join(' / ')})`)
    }
  } finally {
    await Promise.all(contests.map((contest) => contest.scenario?.stop()))
  }
  return contests
}

async function measure(contest: Contest, plan: PhasePlan, fail: (contest: Contest, error: unknown) => void): Promise<PhaseResult | undefined> {
  if (!contest.scenario || contest.error) return undefined
  try {
    return await measurePhase(contest.scenario, plan)
  } catch (error) {
    fail(contest, error)
    return undefined
  }
}

async function idle(contest: Contest, ms: number, fail: (contest: Contest, error: unknown) => void): Promise<number> {
  if (!contest.scenario || contest.error) return Number.NaN
  try {
    return await measureIdle(contest.scenario, ms)
  } catch (error) {
    fail(contest, error)
    return Number.NaN
  }
}
