import { RealtimeClient, UnauthorizedError, type ConnectionStatus, type RealtimeClientOptions, type TokenReason, type TransportName } from '@lifeline/client'
import { tabSharing } from '@lifeline/client/tabs'
import type { RegisteredChannels } from '@lifeline/react'
import { eventLog, type EventLog } from './eventLog'

/** Who is watching a story: every story's args carry these, so each viewer is a real user. */
export interface SessionArgs {
  /** The token's `sub`. */
  user: string
  roles?: string[]
  /**
   * Lifetime of each token the demo server mints, in seconds.
   * @default 3600
   */
  tokenTtlSeconds?: number
}

/**
 * Client options a story may tune through `parameters.realtime` (for example the lab's probe delay).
 * `shareTabs` shares one connection among the browser's tabs of the story's user (its share key).
 */
export type SessionOptions = Pick<RealtimeClientOptions, 'upgradeDelay' | 'transports' | 'connectTimeoutMs'> & { shareTabs?: boolean }

export interface StateEntry {
  status: ConnectionStatus
  transport: TransportName | undefined
  error: string | undefined
  at: number
}

export interface FrameEntry {
  direction: 'in' | 'out'
  type: string
  /** The channel and event, or the command, in a few words. */
  summary: string
  at: number
}

export interface TokenEntry {
  reason: TokenReason
  outcome: 'issued' | 'refused'
  /** When the token expires (from its JWT `exp`), epoch ms. */
  expiresAt: number | undefined
  at: number
}

/** One viewer's client and what the inspector and the auth lab show about it. */
export interface DemoSession {
  client: RealtimeClient<RegisteredChannels>
  user: string
  timeline: EventLog<StateEntry>
  frames: EventLog<FrameEntry>
  tokens: EventLog<TokenEntry>
}

/**
 * Makes the client of one story view: tokens from the gallery server's `/demo/token`, every frame
 * in and out recorded through the client's `logger` option, every state change on a timeline.
 * Nothing connects until `RealtimeProvider` mounts.
 */
export function createDemoSession({ user, roles = [], tokenTtlSeconds = 3600 }: SessionArgs, { shareTabs, ...options }: SessionOptions = {}, origin = location.origin): DemoSession {
  const timeline = eventLog<StateEntry>(100)
  const frames = eventLog<FrameEntry>(200)
  const tokens = eventLog<TokenEntry>(50)
  const query = new URLSearchParams({ sub: user, roles: roles.join(','), ttl: String(tokenTtlSeconds) })
  // sample: client
  const client = new RealtimeClient<RegisteredChannels>({
    url: origin,
    ...options,
    // Keyed by the user: tabs of another user never share this one's connection and token.
    share: shareTabs ? tabSharing({ key: user }) : undefined,
    async getToken({ reason }) {
      const response = await fetch(`${origin}/demo/token?${query}`)
      // The sign-in service says this user may not have a token: stop, do not retry.
      if (response.status === 401 || response.status === 403) {
        tokens.push({ reason, outcome: 'refused', expiresAt: undefined, at: Date.now() })
        throw new UnauthorizedError(`token refused for ${user} (${response.status})`)
      }
      if (!response.ok) throw new Error(`/demo/token answered ${response.status}`)
      const token = await response.text()
      tokens.push({ reason, outcome: 'issued', expiresAt: expiryOf(token), at: Date.now() })
      return token
    },
    logger(message, detail) {
      if (message === 'in' || message === 'out') frames.push({ direction: message, ...describe(detail), at: Date.now() })
    },
  })
  // end sample
  client.onState(() => {
    const { status, transport, error } = client.getSnapshot()
    const last = timeline.getSnapshot().at(-1)
    if (last?.status !== status || last.transport !== transport) timeline.push({ status, transport, error: error?.code, at: Date.now() })
  })
  return { client, user, timeline, frames, tokens }
}

function describe(frame: unknown): { type: string; summary: string } {
  const { type = '?', channel, event, ok } = (frame ?? {}) as { type?: string; channel?: string; event?: string; ok?: boolean }
  const summary = channel && event ? `${channel} ${event}` : channel ?? (ok === undefined ? '' : ok ? 'ok' : 'error')
  return { type, summary }
}

/** The `exp` claim of a JWT, read for display only (the client takes lifetimes from the server). */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number }
    return payload.exp === undefined ? undefined : payload.exp * 1000
  } catch {
    return undefined
  }
}
