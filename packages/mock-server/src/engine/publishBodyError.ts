import { channelNameProblem } from './channelName'

/** What is wrong with a publish API body, in words the caller can act on, or `undefined`. */
export function publishBodyError(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'Body must be a JSON object {channel, event, data, key?}'
  const { channel, event, key } = input as Record<string, unknown>
  if (channel === undefined) return '"channel" is required'
  const badChannel = channelNameProblem(channel)
  if (badChannel) return `"channel": ${badChannel}`
  if (typeof event !== 'string' || event === '') return '"event" is required: a non-empty string'
  if (!('data' in input)) return '"data" is required (null is a value)'
  if (key !== undefined && typeof key !== 'string') return '"key" must be a string'
  return undefined
}
