/**
 * Names of the Redis keys and pub/sub channels of one deployment. A Lifeline channel's keys carry
 * the channel in a hash tag (`{…}`). Idempotency keys belong to a publisher, not to a channel, and
 * the publish script touches both: the broker needs one Redis (a primary, with replicas or Sentinel
 * if you like), not Redis Cluster.
 */
export interface RedisKeys {
  /** Hash `{epoch, offset}`: the channel's position; losing it starts a new epoch. */
  meta(channel: string): string
  /** Stream of the channel's history; entry id `<offset>-0`, fields `t` (ms) and `m` (JSON). */
  log(channel: string): string
  /** Remembers a publisher's idempotency key (`scope`): value `<epoch> <offset>` of the first publish. */
  idempotency(scope: string): string
  /** Single-use claims (SSE tickets). */
  claim(key: string): string
  /** Values kept for one `take` (SSE ticket grants). */
  kept(key: string): string
  /** Hash of the channel's presence: `v` its version, `m:<sub>` each user's connections (see `presenceScripts.ts`). */
  presence(channel: string): string
  /** Set of the channels where `replica` has connections in presence. */
  presenceChannels(replica: string): string
  /** Set of the replicas that have had connections in presence (dead ones are removed when swept). */
  readonly presenceReplicas: string
  /** Expiring key a replica renews while it lives; when it is gone, its presence is removed. */
  alive(replica: string): string
  /** Pub/sub channel that carries a Lifeline channel's publications and presence changes to every replica. */
  fanout(channel: string): string
  /** The Lifeline channel of a fan-out pub/sub channel, or `undefined` for other pub/sub traffic. */
  channelOf(fanout: string): string | undefined
  /** Pub/sub channel every replica listens on for SSE upstream commands. */
  readonly upstream: string
  /** Pub/sub channel where `replica` receives the answers to its upstream requests. */
  upstreamReplies(replica: string): string
  /** Pub/sub channel every replica listens on for long polls of sessions it may hold. */
  readonly polls: string
  /** Pub/sub channel where `replica` receives the answers to the long polls it routed. */
  pollReplies(replica: string): string
}

export function redisKeys(prefix: string): RedisKeys {
  const fanoutPrefix = `${prefix}fanout:`
  return {
    meta: (channel) => `${prefix}{${channel}}:meta`,
    log: (channel) => `${prefix}{${channel}}:log`,
    idempotency: (scope) => `${prefix}key:${scope}`,
    claim: (key) => `${prefix}claim:${key}`,
    kept: (key) => `${prefix}kept:${key}`,
    presence: (channel) => `${prefix}{${channel}}:presence`,
    presenceChannels: (replica) => `${prefix}presence:channels:${replica}`,
    presenceReplicas: `${prefix}presence:replicas`,
    alive: (replica) => `${prefix}presence:alive:${replica}`,
    fanout: (channel) => `${fanoutPrefix}${channel}`,
    channelOf: (fanout) => (fanout.startsWith(fanoutPrefix) ? fanout.slice(fanoutPrefix.length) : undefined),
    upstream: `${prefix}upstream`,
    upstreamReplies: (replica) => `${prefix}upstream:${replica}`,
    polls: `${prefix}polls`,
    pollReplies: (replica) => `${prefix}polls:${replica}`,
  }
}
