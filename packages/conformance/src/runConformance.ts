import { PROTOCOL_VERSION, TRANSPORTS, type TransportName } from '@lifeline/protocol'
import { WebSocket as NodeWebSocket } from 'ws'
import { CaseContext } from './caseContext'
import { CASES } from './cases/index'
import { ConfigError, parseConfig, type ResolvedConfig } from './config'
import { LEVELS, type ConformanceCase, type Level } from './conformanceCase'
import { CaseFailure, NotApplicable } from './failure'
import type { Fetch } from './http'
import { unreachable } from './reachability'
import type { CaseResult, ConformanceReport } from './report'
import { Tokens } from './tokens'
import type { WebSocketConstructor } from './transports/connection'
import { KIT_VERSION } from './version'

export interface ConformanceOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8000` (`/ws`, `/sse`, … are appended). */
  url: string
  /** A second replica of the same deployment; enables the multi-replica cases. */
  url2?: string
  /** The config (parsed JSON, see docs/conformance.md): users, channels, limits. Checked before anything runs. */
  config: unknown
  /**
   * Levels to run.
   * @default every level: core, recovery, presence, limits, multi-replica
   */
  levels?: readonly Level[]
  /**
   * Transports to run the per-transport cases on.
   * @default ['websocket', 'sse', 'long-polling']
   */
  transports?: readonly TransportName[]
  /** Only the cases with these names (for example `['handshake', 'recover-trimmed']`). @default every case */
  cases?: readonly string[]
  /**
   * Cases the caller declares not applicable to this server, by name, each with the reason the
   * report gives (for example MSW handlers, which leave paths outside the protocol to the app's
   * other handlers: `{ 'unknown-path': '…' }`).
   */
  notApplicable?: Readonly<Record<string, string>>
  /**
   * The `fetch` every HTTP request goes through (msw intercepts `globalThis.fetch` in tests).
   * @default globalThis.fetch, read at call time
   */
  fetch?: Fetch
  /**
   * The WebSocket constructor, with the browser's API.
   * @default the `ws` package's WebSocket
   */
  WebSocket?: WebSocketConstructor
  /** Called with each result as its case ends (the CLI prints progress with it). */
  onResult?: (result: CaseResult) => void
}

interface Planned {
  testCase: ConformanceCase
  transport?: TransportName
}

function checkList<T extends string>(name: string, given: readonly string[] | undefined, known: readonly T[]): T[] {
  if (given === undefined) return [...known]
  const unknown = given.filter((item) => !known.includes(item as T))
  if (unknown.length > 0 || given.length === 0) throw new TypeError(`runConformance: "${name}" must list some of ${known.join(', ')}; got ${JSON.stringify(given)}`)
  return known.filter((item) => given.includes(item))
}

function checkUrl(name: string, url: string | undefined): void {
  if (url !== undefined && !/^https?:\/\/[^/]+\/?$/.test(url)) throw new TypeError(`runConformance: "${name}" must be a server's base URL like http://127.0.0.1:8000, got ${JSON.stringify(url)}`)
}

/** The cases to run, in order, each per selected transport where it runs per transport. */
function plan(levels: Level[], transports: TransportName[], names: readonly string[] | undefined, hasUrl2: boolean, declared: readonly string[]): Planned[] {
  const known = CASES.map((testCase) => testCase.name)
  // An empty list would run nothing and report the server as conforming.
  if (names?.length === 0) throw new TypeError(`runConformance: "cases" must list some case names (or be left out for every case); cases are: ${known.join(', ')}`)
  const unknown = [...(names ?? []), ...declared].filter((name) => !known.includes(name))
  if (unknown.length > 0) throw new TypeError(`runConformance: unknown case ${unknown.join(', ')}; cases are: ${known.join(', ')}`)
  return CASES.filter((testCase) => levels.includes(testCase.level) && (!names || names.includes(testCase.name))).flatMap((testCase): Planned[] => {
    // Not applicable as a whole without a second replica: one line, not one per transport.
    if (!testCase.transports || (testCase.level === 'multi-replica' && !hasUrl2) || declared.includes(testCase.name)) return [{ testCase }]
    return transports.filter((transport) => testCase.transports!.includes(transport)).map((transport) => ({ testCase, transport }))
  })
}

/**
 * Checks everything but the config (URLs, levels, transports, case names) and plans the run.
 * Throws a `TypeError` naming the bad option.
 */
export function checkOptions(options: Omit<ConformanceOptions, 'config'>): { levels: Level[]; transports: TransportName[]; planned: Planned[] } {
  if (!options.url) throw new TypeError('runConformance: "url" is required')
  checkUrl('url', options.url)
  checkUrl('url2', options.url2)
  const levels = checkList('levels', options.levels, LEVELS)
  const transports = checkList('transports', options.transports, TRANSPORTS)
  const planned = plan(levels, transports, options.cases, options.url2 !== undefined, Object.keys(options.notApplicable ?? {}))
  return { levels, transports, planned }
}

/** Runs `run` until it settles or the case's deadline (which `ctx.allow()` pushes back) passes. */
function withDeadline(run: Promise<void>, ctx: CaseContext, baseMs: number): Promise<void> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout>
    const arm = () => {
      const left = started + baseMs + ctx.allowanceMs - Date.now()
      if (left > 0) timer = setTimeout(arm, left)
      else reject(new CaseFailure(`the case did not finish within ${baseMs + ctx.allowanceMs} ms (timeouts.caseMs ${baseMs})`, { expected: 'the case to end in time' }))
    }
    arm()
    run.then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

async function runCase({ testCase, transport }: Planned, init: Omit<ConstructorParameters<typeof CaseContext>[0], 'transport'>): Promise<CaseResult> {
  const ctx = new CaseContext({ ...init, transport: transport ?? init.transports[0]! })
  const base = { id: `${testCase.level}/${testCase.name}${transport ? ` [${transport}]` : ''}`, level: testCase.level, name: testCase.name, ...(transport ? { transport } : {}), title: testCase.title }
  const started = performance.now()
  let outcome: Pick<CaseResult, 'status' | 'reason' | 'expected' | 'received' | 'notes'>
  try {
    await withDeadline(testCase.run(ctx), ctx, init.config.timeouts.caseMs)
    outcome = { status: 'passed', ...(ctx.notes.length ? { notes: ctx.notes } : {}) }
  } catch (error) {
    if (error instanceof NotApplicable) outcome = { status: 'not-applicable', reason: error.message }
    else if (error instanceof CaseFailure) outcome = { status: 'failed', reason: error.message, ...(error.expected ? { expected: error.expected } : {}), ...(error.received === undefined ? {} : { received: error.received }) }
    else outcome = { status: 'failed', reason: `${error instanceof ConfigError ? '' : 'unexpected error in the case: '}${error instanceof Error ? error.message : String(error)}` }
  }
  await ctx.close()
  // What the connections noticed on their own (a second reply, a skipped offset): the failure of a
  // case that otherwise passed, and context for one that failed.
  const violations = ctx.violations()
  if (violations.length > 0 && outcome.status === 'passed') {
    const [first, ...more] = violations
    outcome = { status: 'failed', reason: first!.message, received: first!.frame, ...(more.length ? { notes: more.slice(0, 3).map((violation) => `also: ${violation.message}`) } : {}) }
  } else if (violations.length > 0 && outcome.status === 'failed') {
    outcome = { ...outcome, notes: violations.slice(0, 3).map((violation) => `also: ${violation.message}`) }
  }
  return { ...base, ...outcome, durationMs: Math.round(performance.now() - started) }
}

/**
 * Runs the protocol's cases against a server and reports each: passed, failed (with what was
 * expected and the frame or HTTP answer that broke it) or not applicable (and why). Every
 * connection a case opens is closed when it ends; every wait is bounded by the config's timeouts.
 *
 * @example
 * const report = await runConformance({ url: 'http://127.0.0.1:8000', config: JSON.parse(await readFile('conformance.json', 'utf8')) })
 * console.log(formatReport(report))
 * process.exitCode = report.ok ? 0 : 1
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/conformance.md
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const { levels, transports, planned } = checkOptions(options)
  const declared = options.notApplicable ?? {}
  const config: ResolvedConfig = parseConfig(options.config)
  const fetch: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const WebSocket = options.WebSocket ?? (NodeWebSocket as unknown as WebSocketConstructor)
  const url = options.url.replace(/\/$/, '')
  const url2 = options.url2?.replace(/\/$/, '')
  const startedAt = new Date()
  const tokens = await Tokens.resolve(config, fetch)

  // Only over the network: an injected fetch (msw) serves the protocol's paths and nothing else.
  const probe = (base: string | undefined) => (base && !options.fetch ? unreachable(fetch, base, config.timeouts.httpMs) : undefined)
  const [down, down2] = await Promise.all([probe(url), probe(url2)])
  const results: CaseResult[] = []
  for (const item of planned) {
    const reason = declared[item.testCase.name] ?? (item.testCase.level === 'multi-replica' && !url2 ? 'needs a second replica (--url2)' : undefined)
    const silent = down ?? (item.testCase.level === 'multi-replica' ? down2 : undefined)
    const result =
      reason !== undefined ? notApplicable(item, reason) : silent ? unrun(item, `not run: the server did not answer: ${silent}`) : await runCase(item, { config, transports, url, url2, tokens, fetch, WebSocket })
    results.push(result)
    options.onResult?.(result)
  }
  const count = (status: CaseResult['status']) => results.filter((result) => result.status === status).length
  const summary = { total: results.length, passed: count('passed'), failed: count('failed'), notApplicable: count('not-applicable') }
  return {
    kit: { name: '@lifeline/conformance', version: KIT_VERSION },
    protocol: PROTOCOL_VERSION,
    url,
    ...(url2 ? { url2 } : {}),
    levels,
    transports,
    limits: config.limits,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    summary,
    ok: summary.failed === 0,
    results,
  }
}

function notApplicable({ testCase, transport }: Planned, reason: string): CaseResult {
  return { id: `${testCase.level}/${testCase.name}${transport ? ` [${transport}]` : ''}`, level: testCase.level, name: testCase.name, ...(transport ? { transport } : {}), title: testCase.title, status: 'not-applicable', reason, durationMs: 0 }
}

function unrun({ testCase, transport }: Planned, reason: string): CaseResult {
  return { ...notApplicable({ testCase, ...(transport ? { transport } : {}) }, reason), status: 'failed', expected: 'an HTTP answer from the server' }
}
