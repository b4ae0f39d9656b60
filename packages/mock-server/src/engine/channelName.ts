import { isChannel } from '@lifeline/protocol'

const BAD_CHARACTER = /[^\w\-:.@]/u

/**
 * What is wrong with a channel name, in words a caller can act on, or `undefined` for a valid
 * one: 1 to 128 characters of letters, digits and `_ - : . @`.
 *
 * @example
 * channelNameProblem('board 1') // 'channel "board 1" has a character outside letters, digits and _ - : . @: " "'
 */
export function channelNameProblem(name: unknown): string | undefined {
  if (isChannel(name)) return undefined
  if (typeof name !== 'string') return `a channel name must be a string, got ${name === null ? 'null' : typeof name}`
  if (name === '') return 'a channel name cannot be empty'
  if (name.length > 128) return `channel "${name.slice(0, 32)}…" is ${name.length} characters long; the most is 128`
  const bad = BAD_CHARACTER.exec(name)?.[0] ?? ''
  return `channel ${JSON.stringify(name)} has a character outside letters, digits and _ - : . @: ${JSON.stringify(bad)}`
}
