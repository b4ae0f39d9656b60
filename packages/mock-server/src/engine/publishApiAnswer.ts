import type { ErrorCode } from '@lifeline/protocol'
import { bearerToken } from './auth'
import type { PublishInput, PublishOutcome } from './broker'
import type { HttpAnswer } from './engineOptions'
import { httpError } from './httpError'
import type { Metrics } from './metrics'
import { publishBodyError } from './publishBodyError'
import { RefusedError } from './refusedError'

/** What the server-side publish API needs from the engine. */
export interface PublishApiContext {
  /** The key callers must present as bearer token; without one the API refuses everyone. */
  apiKey: string | undefined
  maxFrameBytes: number
  /** Whether any channel rule matches the channel (no client could subscribe otherwise). */
  channelKnown: (channel: string) => boolean
  /** The engine's checked publish. */
  publish: (input: PublishInput) => Promise<PublishOutcome>
  metrics: Metrics
  log?: (message: string, error: unknown) => void
}

/** `POST /publish`: the server-side publish API, authenticated by API key. */
export async function publishApiAnswer(api: PublishApiContext, authorization: string | null | undefined, body: string): Promise<HttpAnswer> {
  const refuse = (code: ErrorCode, message: string) => httpError(api.metrics, { code, message })
  if (!api.apiKey || bearerToken(authorization) !== api.apiKey) return refuse('UNAUTHORIZED', 'A valid API key is required')
  if (body.length > api.maxFrameBytes) return refuse('FRAME_TOO_LARGE', 'Body too large')
  let input: Partial<PublishInput>
  try {
    input = JSON.parse(body) as Partial<PublishInput>
  } catch {
    return refuse('BAD_REQUEST', 'Body is not valid JSON')
  }
  const invalid = publishBodyError(input)
  if (invalid) return refuse('BAD_REQUEST', invalid)
  if (!api.channelKnown(input.channel!)) {
    return refuse('FORBIDDEN', `No channel rule matches "${input.channel}", so no client could ever subscribe to it; add a rule for it (channelRules)`)
  }
  const { channel, event, data, key } = input as PublishInput
  try {
    // The API's keys are its own: no user's key can suppress an API publish, nor the other way.
    return { status: 200, body: await api.publish({ channel, event, data, ...(key === undefined ? {} : { key }), publisher: 'server' }) }
  } catch (error) {
    if (error instanceof RefusedError) return httpError(api.metrics, error.toBody())
    api.log?.('publish failed', error)
    return refuse('INTERNAL', 'The broker could not take the message')
  }
}
