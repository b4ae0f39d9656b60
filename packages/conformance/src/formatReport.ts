import { brief } from './failure'
import type { CaseResult, ConformanceReport } from './report'

const MARKS = { passed: 'pass', failed: 'FAIL', 'not-applicable': 'n/a ' } as const

/** One result as report lines: a status line, and for a failure what was expected and what came. */
export function formatResult(result: CaseResult): string {
  const name = `${result.name}${result.transport ? ` [${result.transport}]` : ''}`
  const lines = [`  ${MARKS[result.status]}  ${name}${result.status === 'not-applicable' ? `: ${result.reason}` : `  (${Math.round(result.durationMs)} ms)`}`]
  if (result.status === 'failed') {
    lines.push(`        checks:   ${result.title}`, `        failure:  ${result.reason}`)
    if (result.expected) lines.push(`        expected: ${result.expected}`)
    if (result.received !== undefined) lines.push(`        received: ${brief(result.received, 600)}`)
  }
  if (result.notes?.length) lines.push(...result.notes.map((note) => `        note:     ${note}`))
  return lines.join('\n')
}

/** The report's first lines: what ran against what. */
export function formatHeader(report: Pick<ConformanceReport, 'url' | 'url2' | 'levels' | 'transports'>): string {
  return [
    `Lifeline conformance: ${report.url}${report.url2 ? ` and ${report.url2}` : ''}`,
    `levels: ${report.levels.join(', ')}; transports: ${report.transports.join(', ')}`,
  ].join('\n')
}

/** The last line: counts and time. */
export function formatSummary(report: ConformanceReport): string {
  const { passed, failed, notApplicable } = report.summary
  return `${failed === 0 ? 'PASSED' : 'FAILED'}: ${passed} passed, ${failed} failed, ${notApplicable} not applicable (${(report.durationMs / 1000).toFixed(1)} s)`
}

/**
 * The whole readable report: header, results grouped by level, summary.
 *
 * @example
 * console.log(formatReport(await runConformance({ url, config })))
 * // Lifeline conformance: http://127.0.0.1:8000
 * // …
 * //   pass  handshake [websocket]  (12 ms)
 * // …
 * // PASSED: 73 passed, 0 failed, 4 not applicable (22.4 s)
 */
export function formatReport(report: ConformanceReport): string {
  const lines = [formatHeader(report), '']
  for (const level of report.levels) {
    const results = report.results.filter((result) => result.level === level)
    if (results.length === 0) continue
    lines.push(level, ...results.map(formatResult), '')
  }
  lines.push(formatSummary(report))
  return lines.join('\n')
}
