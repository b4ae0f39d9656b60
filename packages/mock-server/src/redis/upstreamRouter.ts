import { SESSION_NOT_FOUND, type UpstreamEnvelope, type UpstreamVerdict } from '../engine/broker'
import type { RedisKeys } from './keys'
import { SessionRouter } from './sessionRouter'

export interface UpstreamRouterOptions {
  replica: string
  keys: RedisKeys
  publish(channel: string, message: string): Promise<number>
  /** The handler of a session held by this replica; it answers at once. */
  localHandler(session: string): ((envelope: UpstreamEnvelope) => UpstreamVerdict) | undefined
  log(message: string, error: unknown): void
}

const HOLDER_SILENT: UpstreamVerdict = {
  accepted: false,
  status: 503,
  error: { code: 'UNAVAILABLE', message: 'The replica holding this session did not answer in time; retry' },
}

/**
 * Routes upstream commands (SSE and long-polling sessions' `POST /sse/send`) to the replica that
 * holds the session, so any replica accepts them (no sticky sessions). The same scheme as long
 * polls, with a handler that answers at once.
 */
export function upstreamRouter({ replica, keys, publish, localHandler, log }: UpstreamRouterOptions): SessionRouter<UpstreamEnvelope, UpstreamVerdict> {
  return new SessionRouter<UpstreamEnvelope, UpstreamVerdict>({
    replica,
    requestChannel: keys.upstream,
    replyChannel: keys.upstreamReplies,
    publish,
    localHandler: (session) => {
      const handler = localHandler(session)
      return handler && (async (envelope) => handler(envelope))
    },
    notFound: SESSION_NOT_FOUND,
    unreachable: HOLDER_SILENT,
    log,
  })
}
