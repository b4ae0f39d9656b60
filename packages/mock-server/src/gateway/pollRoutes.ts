import { SESSION_HEADER, type ErrorCode } from '@lifeline/protocol'
import type { ProtocolEngine } from '../engine/index'
import type { Faults } from '../faults'
import { bodyText } from './bodyText'
import { fromHttpAnswer, jsonAnswer, type GatewayAnswer, type GatewayRequest } from './exchange'
import { PollOutlet, type PollBatchVerdict, type PollTimings } from './pollOutlet'

export interface PollRoutesOptions {
  faults: Faults
  timings: PollTimings
  /** Largest request body, in bytes. */
  bodyLimit: number
  /** An error answer, counted in the engine's metrics. */
  refuse(engine: ProtocolEngine, code: ErrorCode, message: string): GatewayAnswer
}

/** A batch as the response body: the frames are JSON already, so they are joined, not re-encoded. */
function batchAnswer(verdict: PollBatchVerdict): GatewayAnswer {
  return jsonAnswer(200, `{"seq":${verdict.seq},"frames":[${verdict.frames.join(',')}]}`)
}

/** The `ack` of a poll body `{"ack": n}`, or why the body is not one. */
function parseAck(body: string): number | string {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return 'The poll body is not valid JSON; send {"ack": <seq of the last frame received>}'
  }
  const ack = (value as { ack?: unknown } | null)?.ack
  if (!Number.isSafeInteger(ack) || (ack as number) < 0) return 'The poll body must be {"ack": <seq of the last frame received>}, a non-negative integer (0 before any frame)'
  return ack as number
}

/**
 * `POST /poll/connect` and `POST /poll`: the long-polling transport. The connect runs the checks of
 * the SSE ticket and answers with the first batch (the connect reply, seq 1); each poll is
 * authenticated where it lands and handed by the broker to the replica that holds the session,
 * which answers it from the session's {@link PollOutlet}. Upstream commands go by `POST /sse/send`,
 * as for SSE.
 */
export function pollRoutes({ faults, timings, bodyLimit, refuse }: PollRoutesOptions) {
  const down = (engine: ProtocolEngine) => refuse(engine, 'UNAVAILABLE', 'Long-polling is unavailable (fault injection); retry')
  return {
    async connect(request: GatewayRequest, engine: ProtocolEngine): Promise<GatewayAnswer> {
      if (faults.dropPoll) return down(engine)
      const body = await bodyText(request, bodyLimit)
      if ('error' in body) return refuse(engine, body.error.code, body.error.message)
      const admitted = await engine.admitConnect(request.header('authorization'), body.text)
      if ('status' in admitted) return fromHttpAnswer(admitted)
      let unregister = () => {}
      const outlet = new PollOutlet(timings, () => unregister())
      const session = engine.openEventStream(admitted, outlet, request.peer)
      outlet.attach(session)
      unregister = engine.broker.registerPoller(session.id, (envelope) => outlet.poll(envelope))
      return batchAnswer(outlet.batchAfter(0))
    },

    async poll(request: GatewayRequest, engine: ProtocolEngine): Promise<GatewayAnswer> {
      if (faults.dropPoll) return down(engine)
      const authorized = await engine.authorize(request.header('authorization'))
      if ('status' in authorized) return fromHttpAnswer(authorized)
      const sessionId = request.header(SESSION_HEADER)
      if (!sessionId) return refuse(engine, 'SESSION_NOT_FOUND', 'Lifeline-Session header is missing')
      const body = await bodyText(request, bodyLimit)
      if ('error' in body) return refuse(engine, body.error.code, body.error.message)
      const ack = parseAck(body.text)
      if (typeof ack === 'string') return refuse(engine, 'BAD_REQUEST', ack)
      const verdict = await engine.broker.routePoll(sessionId, { subject: authorized.claims.sub, ack }, timings.pollMs)
      if (verdict.accepted) return batchAnswer(verdict)
      engine.metrics.error(verdict.error.code)
      return jsonAnswer(verdict.status, { error: verdict.error })
    },
  }
}

export type PollRoutes = ReturnType<typeof pollRoutes>
