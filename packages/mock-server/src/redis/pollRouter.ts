import { SESSION_NOT_FOUND, type PollEnvelope, type PollVerdict } from '../engine/broker'
import type { RedisKeys } from './keys'
import { SessionRouter } from './sessionRouter'

export interface PollRouterOptions {
  replica: string
  keys: RedisKeys
  publish(channel: string, message: string): Promise<number>
  localHandler(session: string): ((envelope: PollEnvelope) => Promise<PollVerdict>) | undefined
  log(message: string, error: unknown): void
}

const HOLDER_SILENT: PollVerdict = {
  accepted: false,
  status: 503,
  error: { code: 'UNAVAILABLE', message: 'The replica holding this session did not answer the poll in time; poll again with the same ack' },
}

/**
 * Routes long polls to the replica that holds the session, and its batch back, so any replica
 * accepts any poll (no sticky sessions). A batch lost on the way is not lost for the client: the
 * holder keeps every frame until a later poll acknowledges it.
 */
export function pollRouter({ replica, keys, publish, localHandler, log }: PollRouterOptions): SessionRouter<PollEnvelope, PollVerdict> {
  return new SessionRouter<PollEnvelope, PollVerdict>({
    replica,
    requestChannel: keys.polls,
    replyChannel: keys.pollReplies,
    publish,
    localHandler,
    notFound: SESSION_NOT_FOUND,
    unreachable: HOLDER_SILENT,
    log,
  })
}
