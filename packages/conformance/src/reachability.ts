import { ROUTES } from '@lifeline/protocol'
import type { Fetch } from './http'

/**
 * Why the server at `url` gives no HTTP answer at all (connection refused, unknown host, nothing
 * within `timeoutMs`), or `undefined` when it answers anything. Any status counts: judging answers is
 * the cases' work. Checked once before the run, so a wrong URL or a hung server fails in one wait
 * instead of one wait per case (minutes).
 */
export async function unreachable(fetch: Fetch, url: string, timeoutMs: number): Promise<string | undefined> {
  const target = `${url}${ROUTES.health.path}`
  const timeout = AbortSignal.timeout(timeoutMs)
  try {
    const response = await fetch(target, { signal: timeout })
    await response.body?.cancel().catch(() => {})
    return undefined
  } catch (error) {
    if (timeout.aborted) return `GET ${target} got no answer within ${timeoutMs} ms (timeouts.httpMs)`
    const cause = (error as { cause?: { message?: string } }).cause?.message
    return `GET ${target} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`
  }
}
