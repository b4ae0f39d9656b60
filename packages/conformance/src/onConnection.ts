import type { CaseContext } from './caseContext'
import type { ConformanceCase } from './conformanceCase'
import type { Connection } from './transports/connection'

/**
 * A case that runs on one connection of user A, opened (and handshaken) before `run`.
 * @example
 * export const heartbeat = onConnection({ name: 'heartbeat', level: 'core', title: '…' }, async (connection, ctx) => {
 *   await connection.log.wait((frame) => frame.type === 'ping', 'a ping frame', ctx.waitMs)
 * })
 */
export function onConnection(definition: Omit<ConformanceCase, 'run'>, run: (connection: Connection, ctx: CaseContext) => Promise<void>): ConformanceCase {
  return { ...definition, run: async (ctx) => run(await ctx.connect('a'), ctx) }
}
