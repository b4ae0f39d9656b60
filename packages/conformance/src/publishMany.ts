import { ROUTES, type Position, type ReplyFrame } from '@lifeline/protocol'
import type { CaseContext } from './caseContext'
import { httpStatus } from './expectations'
import { CaseFailure } from './failure'
import { isPosition } from './frameShape'
import { shown } from './http'
import { newKey, publishResult } from './steps'
import type { Connection } from './transports/connection'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** How long to wait after a RATE_LIMITED answer: its advice, within reason. */
const backoffOf = (retryAfterMs: unknown) => Math.min(Math.max(Number(retryAfterMs) || 100, 10), 5000)

/**
 * Publishes `count` messages `{n: 1…count}` on `channel` in order and returns their positions:
 * through `POST /publish` when the config has an API key, else through `connection`, pacing itself
 * by the server's RATE_LIMITED advice and retrying with the same key.
 */
export async function publishMany(ctx: CaseContext, connection: Connection, channel: string, count: number): Promise<Position[]> {
  // Bounded: each message may be rate limited, but the case's deadline grows with the count.
  ctx.allow(count * 20)
  const positions: Position[] = []
  for (let n = 1; n <= count; n++) {
    const key = newKey()
    for (let attempt = 1; ; attempt++) {
      const outcome = ctx.config.apiKey ? await viaApi(ctx, channel, n, key) : await viaConnection(connection, channel, n, key)
      if ('position' in outcome) {
        positions.push(outcome.position)
        break
      }
      if (attempt > 50) throw new CaseFailure(`publishing message ${n} of ${count} on ${channel}: still RATE_LIMITED after ${attempt} tries`, { received: outcome.limited })
      await wait(backoffOf(outcome.retryAfterMs))
    }
  }
  return positions
}

type Outcome = { position: Position } | { retryAfterMs: unknown; limited: unknown }

async function viaApi(ctx: CaseContext, channel: string, n: number, key: string): Promise<Outcome> {
  const answer = await ctx.http('POST', ROUTES.publish.path, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.config.apiKey}` },
    body: JSON.stringify({ channel, event: 'conformance.many', data: { n }, key }),
  })
  if (answer.status === 429) return { retryAfterMs: (answer.body as { error?: { retryAfterMs?: number } })?.error?.retryAfterMs, limited: shown(answer) }
  httpStatus(answer, 200, `POST ${ROUTES.publish.path} (message ${n})`)
  const position = (answer.body as { position?: unknown })?.position
  if (!isPosition(position)) throw new CaseFailure(`POST ${ROUTES.publish.path} answers {position, duplicate}`, { received: shown(answer) })
  return { position }
}

async function viaConnection(connection: Connection, channel: string, n: number, key: string): Promise<Outcome> {
  const text = JSON.stringify({ id: 0, type: 'publish', channel, event: 'conformance.many', data: { n }, key })
  const id = connection.nextId()
  const answer = await connection.sendRaw(text.replace('"id":0', `"id":${id}`), { id, type: 'publish', channel })
  if (answer && answer.status === 429) return { retryAfterMs: (answer.body as { error?: { retryAfterMs?: number } })?.error?.retryAfterMs, limited: shown(answer) }
  if (answer) httpStatus(answer, 202, `${connection.label}: POST ${ROUTES.send.path} of publish ${n}`)
  const reply: ReplyFrame = await connection.log.reply(id)
  if (!reply.ok && reply.error?.code === 'RATE_LIMITED') return { retryAfterMs: reply.error.retryAfterMs, limited: reply }
  return { position: publishResult(reply, `${connection.label}: publish ${n} on ${channel}`).position }
}

/** A new channel (`channels.both`) with `count` messages `{n: 1…count}` published by user B, through {@link publishMany}. */
export async function publishedChannel(ctx: CaseContext, count: number): Promise<{ channel: string; publisher: Connection; positions: Position[] }> {
  const channel = ctx.channel('both')
  const publisher = await ctx.connect('b')
  return { channel, publisher, positions: await publishMany(ctx, publisher, channel, count) }
}
