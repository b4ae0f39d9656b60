/**
 * `@lifeline/testkit/raw`: one raw protocol client per transport (WebSocket, SSE, long-polling),
 * typed with the frames of `@lifeline/protocol`, for tests that send what no real client would and
 * check the server's every answer. Everything they open is closed by `closeOpened()`.
 */
export { WsClient } from './wsClient'
export type { Closed, WsClientOptions } from './wsClient'
export { SseClient } from './sseClient'
export { PollClient } from './pollClient'
export type { PollBatch } from './pollClient'
export { FrameLog, WAIT_MS, replyTo, resultOf, errorOf } from './frameLog'
export { request, requestTicket, pollConnect, sendUpstream } from './request'
export type { Target, CommandFields, HttpResult } from './request'
export { openRawStream } from './openRawStream'
export type { RawStream } from './openRawStream'
export { closeAfterTest, closeOpened } from './closeAfterTest'
