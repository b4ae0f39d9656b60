/**
 * How a case ends other than passing: a {@link CaseFailure} names what was expected and the frame or
 * HTTP answer that broke it; {@link NotApplicable} says why the case cannot run against this server
 * or configuration.
 */

/** A conformance case found the server doing something the protocol does not allow. */
export class CaseFailure extends Error {
  override readonly name = 'CaseFailure'
  /** What the protocol requires, in words. */
  readonly expected: string | undefined
  /** The frame, HTTP answer or value that broke the expectation. */
  readonly received: unknown

  constructor(message: string, details: { expected?: string; received?: unknown } = {}) {
    super(message)
    this.expected = details.expected
    this.received = details.received
  }
}

/** The case cannot run here (a config value, transport or second URL it needs is missing). */
export class NotApplicable extends Error {
  override readonly name = 'NotApplicable'
}

/** Fails the case unless `condition` holds. */
export function check(condition: unknown, message: string, details: { expected?: string; received?: unknown } = {}): asserts condition {
  if (!condition) throw new CaseFailure(message, details)
}

/** Compact JSON for reports and messages, cut at `max` characters. */
export function brief(value: unknown, max = 400): string {
  let text: string
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' && item.length > 120 ? `${item.slice(0, 60)}…(${item.length} chars)` : item)) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > max ? `${text.slice(0, max)}…` : text
}
