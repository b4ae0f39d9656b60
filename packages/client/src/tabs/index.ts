/**
 * `@lifeline/client/tabs`: one connection per browser, shared by the tabs of one user.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/client.md#sharing-one-connection-across-tabs
 */
export { tabSharing } from './tabSharing'
export type { TabSharingOptions } from './tabSharing'
