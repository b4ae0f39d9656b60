import type { ErrorBody, ErrorCode, ResultMap } from '@lifeline/protocol'

/** What a command gets back: its result, or why it was refused. */
export type Reply = { ok: true; result: ResultMap[keyof ResultMap] } | { ok: false; error: ErrorBody }

export const fail = (code: ErrorCode, message: string, retryAfterMs?: number): Reply => ({
  ok: false,
  error: { code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
})

/** Answers the command being run; only the first answer of a command goes out. */
export type Answer = (reply: Reply) => void
