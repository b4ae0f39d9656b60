import { ERRORS, type ErrorBody } from '@lifeline/protocol'
import type { HttpAnswer } from './engineOptions'
import type { Metrics } from './metrics'

/** The HTTP answer for a refused request: the status of `error`'s code, the error as body, counted. */
export function httpError(metrics: Metrics, error: ErrorBody): HttpAnswer {
  metrics.error(error.code)
  return { status: ERRORS[error.code].status, body: { error } }
}
