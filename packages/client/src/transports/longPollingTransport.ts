import type { PollBatch } from '@lifeline/protocol'
import { httpTransport } from './httpTransport'
import { post } from './post'
import type { TransportFactory } from './transport'

/** Polls that fail in a row without any answer (network) before the transport counts as lost. */
const MAX_FAILED_POLLS = 3

const isBatch = (answer: Partial<PollBatch>): answer is PollBatch => Number.isSafeInteger(answer.seq) && Array.isArray(answer.frames)

/**
 * Long-polling: every response is complete, so proxies that buffer or compress streams pass it.
 * `POST /poll/connect` opens the session and answers with the connect reply; then each
 * `POST /poll` carries `{ ack }` (the last frame number received) and is held by the server until
 * frames arrive, which come back as a batch. A lost answer is sent again by the server on the next
 * poll, which carries the same `ack`. Upstream commands go as over SSE (`POST /sse/send`).
 */
export const longPollingTransport: TransportFactory = (context) =>
  httpTransport<PollBatch>(context, '/poll/connect', 'connect', (first, end, signal) => {
    let ack = 0
    let failures = 0
    const deliver = (answer: Partial<PollBatch>) => {
      if (!isBatch(answer)) return end('unreadable poll answer')
      const { seq, frames } = answer
      const before = seq - frames.length
      // The server sends every frame after the ack: a batch that starts later lost frames on the
      // way. End the session, so channels subscribe again from their last position and get them.
      if (before > ack) return end('poll gap')
      // Frames are numbered per session; skip any this client already has (a batch sent twice).
      for (const frame of frames.slice(ack - before)) if (!signal.aborted) context.receive(frame)
      ack = Math.max(ack, seq)
      poll()
    }
    const poll = (): void => {
      if (signal.aborted) return
      post<PollBatch>(context, '/poll', { ack }, undefined, signal).then(
        (answer) => {
          if (signal.aborted) return
          // SESSION_NOT_FOUND (the server closed the session), 401, 403: this session is over.
          if (answer.error) return end(`poll ${answer.error.code}`)
          failures = 0
          deliver(answer)
        },
        // No answer: poll again with the same ack, and the server sends what was lost again.
        () => signal.aborted || (++failures < MAX_FAILED_POLLS ? poll() : end('poll failed')),
      )
    }
    deliver(first)
  })
