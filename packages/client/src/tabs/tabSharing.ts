import type { Share } from '../share'
import { tabDriver } from './tabDriver'

// Only `process.env.NODE_ENV`, which bundlers replace; the browser client has no Node typings.
declare const process: { env: { NODE_ENV?: string } }

export interface TabSharingOptions {
  /**
   * Who the tabs are: only clients with the same key (and the same server `url`) share a
   * connection, through the leader's `getToken`. Use the signed-in user's id, and make a new client
   * with the new key when the user changes.
   */
  key: string
  /** @default navigator.locks */
  locks?: LockManager | undefined
  /** @default globalThis.BroadcastChannel */
  BroadcastChannel?: typeof BroadcastChannel | undefined
}

/**
 * Shares one connection among the tabs of this browser that have the same `key`: one tab leads
 * and holds the connection, the others follow through it, and when the leader closes, crashes or
 * is frozen another takes over and every channel resumes from its own position. Where Web Locks or
 * BroadcastChannel are missing, each tab connects on its own.
 * @example
 * import { tabSharing } from '@lifeline/client/tabs'
 * const client = new RealtimeClient({ url: '/realtime', getToken, share: tabSharing({ key: user.id }) })
 * @throws {TypeError} without a `key`
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#sharing-one-connection-across-tabs
 */
export function tabSharing({ key, locks = globalThis.navigator?.locks, BroadcastChannel = globalThis.BroadcastChannel }: TabSharingOptions): Share {
  if (typeof key !== 'string' || !key) {
    // The guidance only in development builds: bundlers fold this condition and drop it from
    // production ones (the `typeof` guard keeps a page loaded without a bundler working).
    throw new TypeError(typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? 'tabSharing: needs a key, such as the signed-in user id: tabs share only with their own user' : 'tabSharing: key')
  }
  return (options, parts, kit) =>
    // Without both, the tabs cannot find each other: each connects on its own.
    locks && BroadcastChannel ? tabDriver(options, parts, kit, { name: `lifeline ${key} ${options.url}`, locks, BroadcastChannel }) : new kit.Connector(options, parts)
}
