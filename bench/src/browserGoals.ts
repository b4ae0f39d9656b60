import { atMost, type GoalVerdict } from './benchSection'
import type { EngineResult } from './browserStage'
import type { Profile } from './profile'
import { PROXY_MODES, type ProxyMode } from './proxyModes'
import { showSpread, spreadOf } from './spread'

const [, NO_UPGRADE, , SILENT_UPGRADE] = PROXY_MODES as [ProxyMode, ProxyMode, ProxyMode, ProxyMode]

/** The hostile-network goals, judged in Chromium (the reference engine) with default client options. */
const FALLBACK_GOALS: { goal: string; limitMs: number; times: (result: EngineResult) => number[] }[] = [
  { goal: 'Chromium through nginx: upgrade refused, connect() to the first message (over SSE)', limitMs: 1000, times: (result) => firstMessageTimes(result, NO_UPGRADE) },
  { goal: 'Chromium through nginx: upgrade accepted then silent, connect() to the first message (over SSE)', limitMs: 2000, times: (result) => firstMessageTimes(result, SILENT_UPGRADE) },
  { goal: 'Chromium through nginx: a WebSocket that goes silent mid-session, noticed after', limitMs: 10_000, times: (result) => result.detected },
  { goal: 'Chromium through nginx: back on WebSocket after the proxy is fixed', limitMs: 30_000, times: (result) => result.backOnWebSocket },
]

const firstMessageTimes = (result: EngineResult, mode: ProxyMode) => result.firstMessage.find((row) => row.mode === mode)?.times ?? []

/** The fallback goals on Chromium's readings; none when Chromium did not run or the client options are not the defaults. */
function fallbackGoals(profile: Profile, results: EngineResult[]): GoalVerdict[] {
  const chromium = results.find((result) => result.engine === 'chromium')
  if (!chromium || Object.keys(profile.browserClientOptions).length) return []
  return FALLBACK_GOALS.map(({ goal, limitMs, times }) => {
    const spread = times(chromium).length ? spreadOf(times(chromium)) : undefined
    return { goal, target: `≤ ${limitMs.toLocaleString('en-US')} ms`, measured: spread ? `${showSpread(spread, 0)} ms` : 'n/a', verdict: atMost(spread, limitMs) }
  })
}

/** The fallback goals (Chromium), and the tab-sharing goal: one server connection for every tab of a browser. */
export function browserGoals(profile: Profile, results: EngineResult[]): GoalVerdict[] {
  const counted = results.flatMap((result) => (result.tabs ? [{ engine: result.engine, ...result.tabs }] : []))
  return [
    ...fallbackGoals(profile, results),
    {
      goal: `Server connections for ${profile.browserTabs} tabs of one browser, with tab sharing`,
      target: '1',
      measured: counted.length ? counted.map(({ engine, shared, connections }) => `${engine}: ${shared} (${connections} without)`).join(', ') : 'n/a',
      verdict: !counted.length ? 'not measured' : counted.every(({ shared }) => shared === 1) ? 'met' : 'missed',
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
