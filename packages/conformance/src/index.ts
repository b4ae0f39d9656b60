/**
 * `@lifeline/conformance`: the Lifeline protocol's test suite, run against any server URL. A
 * library (`runConformance`) and a CLI (`lifeline-conformance`).
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/conformance.md
 */
export { runConformance } from './runConformance'
export type { ConformanceOptions } from './runConformance'
export { parseConfig, loadConfig, ConfigError, DEFAULT_LIMITS, DEFAULT_TIMEOUTS } from './config'
export type { ConformanceConfig, ResolvedConfig, TokenSource, Limits, Timeouts } from './config'
export { formatReport, formatResult, formatHeader, formatSummary } from './formatReport'
export type { ConformanceReport, CaseResult, CaseStatus } from './report'
export { LEVELS } from './conformanceCase'
export type { Level } from './conformanceCase'
export { describeCases } from './cases/describeCases'
export type { CaseDescription } from './cases/describeCases'
export type { WebSocketConstructor, WebSocketLike } from './transports/connection'
export type { Fetch } from './http'
export { KIT_VERSION } from './version'
