import type { ConformanceCase } from '../conformanceCase'
import { abandonedSockets } from './abandonedSockets'
import { malformedFrames, oneReplyPerCommand, unknownCommand } from './badInput'
import { connectTimeout, floodClose, oversizedWebSocketMessage, tokenExpiry } from './closeCodes'
import { badToken, commandBeforeConnect, expiredToken, handshake, sseTicket, unsupportedVersion } from './handshake'
import { corsPreflight, refusedOrigin, unknownPath, upstreamErrors, wrongMethod } from './httpSurface'
import { frameTooLarge, rateLimit, tooManySubscriptions } from './limits'
import { crossReplicaDelivery, crossReplicaPoll, crossReplicaRecovery, crossReplicaUpstream } from './multiReplica'
import { messageMeta } from './messageMeta'
import { crossReplicaPresence, presence } from './presence'
import { idempotentPublish, publishApi, publishReceive } from './publish'
import { recoverOtherEpoch, recoverTrimmed, recoverWithinHistory } from './recovery'
import { rewind } from './rewind'
import { forbiddenChannel, subscribeUnsubscribe } from './subscribe'
import { heartbeat, refresh } from './session'

/** Every case of the suite, in the order it runs. */
export const CASES: readonly ConformanceCase[] = [
  // core
  handshake,
  commandBeforeConnect,
  unsupportedVersion,
  badToken,
  expiredToken,
  sseTicket,
  malformedFrames,
  unknownCommand,
  oneReplyPerCommand,
  subscribeUnsubscribe,
  forbiddenChannel,
  publishReceive,
  idempotentPublish,
  publishApi,
  messageMeta,
  refresh,
  heartbeat,
  upstreamErrors,
  corsPreflight,
  refusedOrigin,
  unknownPath,
  wrongMethod,
  abandonedSockets,
  // recovery
  recoverWithinHistory,
  recoverOtherEpoch,
  recoverTrimmed,
  rewind,
  // presence
  presence,
  // limits
  frameTooLarge,
  tooManySubscriptions,
  rateLimit,
  floodClose,
  connectTimeout,
  tokenExpiry,
  oversizedWebSocketMessage,
  // multi-replica
  crossReplicaDelivery,
  crossReplicaUpstream,
  crossReplicaPoll,
  crossReplicaRecovery,
  crossReplicaPresence,
]
