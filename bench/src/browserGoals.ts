import type { GoalVerdict } from './benchSection'
import type { EngineResult } from './browserStage'
import type { Profile } from './profile'

/** The tab-sharing goal: one server connection for every tab of a browser. */
export function browserGoals(profile: Profile, results: EngineResult[]): GoalVerdict[] {
  const counted = results.filter((result) => result.tabs)
  const shared = counted.map((result) => result.tabs!.shared)
  const built = shared.length > 0 && shared.every((count) => count !== undefined)
  return [
    {
      goal: `Server connections for ${profile.browserTabs} tabs of one browser, with tab sharing`,
      target: '1',
      measured: counted.length ? counted.map((result) => `${result.engine}: ${result.tabs!.shared ?? 'not built'} (${result.tabs!.connections} without)`).join(', ') : 'n/a',
      verdict: !counted.length ? 'not measured' : !built ? 'not built' : shared.every((count) => count === 1) ? 'met' : 'missed',
    },
  ]
}

/** An engine that failed, ended a proxy mode on the wrong transport, or made fewer runs. */
export function browserFailures(profile: Profile, results: EngineResult[]): string[] {
  const found: string[] = []
  for (const result of results) {
    const where = `browser, ${result.engine}`
    if (result.error) found.push(`${where}: ${result.error}`)
    for (const row of result.firstMessage) {
      const wrong = [...row.transports].filter((transport) => transport !== row.mode.endsOn)
      if (wrong.length) found.push(`${where}, ${row.mode.name}: ended on ${wrong.join(', ')}, not ${row.mode.endsOn}`)
    }
    if (!result.error && result.firstMessage.some((row) => row.times.length < profile.browserRuns)) found.push(`${where}: a case has fewer runs than ${profile.browserRuns}`)
  }
  return found
}
