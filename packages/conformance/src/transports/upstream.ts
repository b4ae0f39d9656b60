import { ROUTES, SESSION_HEADER } from '@lifeline/protocol'
import { CaseFailure } from '../failure'
import type { FrameLog } from '../frameLog'
import { request, shown, type HttpAnswer } from '../http'
import type { ConnectionOptions } from './connection'

/** `POST /sse/send`: one command of an SSE or long-polling session, with the token and the session header. */
export function postUpstream(options: ConnectionOptions, { session, token, body, url = options.sendUrl ?? options.url }: { session: string; token: string | undefined; body: string; url?: string }): Promise<HttpAnswer> {
  return request(options.fetch, `${url}${ROUTES.send.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SESSION_HEADER]: session, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body,
    timeoutMs: options.httpMs,
  })
}

/**
 * Sends a command upstream for `log`'s session. The id is registered before the POST, since its
 * reply may come down the stream before the POST's own answer; a refusal unregisters it.
 */
export async function sendUpstream(
  options: ConnectionOptions,
  log: FrameLog,
  label: string,
  { session, token, text, command, require202 }: { session: string; token: string; text: string; command?: { id: number; type: string; channel?: string }; require202: boolean },
): Promise<HttpAnswer> {
  if (command) log.sent(command)
  const answer = await postUpstream(options, { session, token, body: text })
  if (answer.status === 202) return answer
  if (command) log.refused(command.id)
  if (require202) {
    throw new CaseFailure(`${label}: POST ${ROUTES.send.path} of ${command?.type ?? 'a frame'} answered ${answer.status}`, { expected: '202 {} (the reply then comes on the stream)', received: shown(answer) })
  }
  return answer
}
