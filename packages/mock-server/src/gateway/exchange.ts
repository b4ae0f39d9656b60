import { ERRORS, type ErrorCode } from '@lifeline/protocol'
import type { HttpAnswer } from '../engine/index'

/** An HTTP request as a host (Node server, MSW handler) hands it to the gateway. */
export interface GatewayRequest {
  method: string
  /** The path below the server's base URL, e.g. `/sse/send`. */
  path: string
  query: URLSearchParams
  /** The client's address, when the host knows it. */
  peer?: string | undefined
  /** A request header by its lowercase name. */
  header(name: string): string | undefined
  /**
   * The body's bytes, or `undefined` when it is longer than `limit` bytes. Bytes, not text: the
   * gateway decodes them and refuses what is not UTF-8, where a host's decoder would replace it.
   */
  body(limit: number): Promise<Uint8Array | undefined>
  /** Whether the client's connection is gone, so nobody will read an answer (a cut slow body). */
  gone(): boolean
}

/** Where an open stream's bytes go: the host writes them to its response as they come. */
export interface ByteSink {
  write(bytes: Uint8Array): void
  /** Ends the response after what was written. */
  end(): void
  /** Cuts the response at once: anything polite would queue behind the backlog. */
  abort(): void
  /** Bytes written but not yet taken by the network. */
  bufferedBytes(): number
}

/** A stream the gateway opened; the host calls `closed()` when the client went away. */
export interface OpenStream {
  closed(): void
}

/** What the gateway answers: a complete response, or a stream the host opens with a sink. */
export type GatewayAnswer =
  | { status: number; headers: Record<string, string>; body: string }
  | { status: number; headers: Record<string, string>; stream: (sink: ByteSink) => OpenStream }

const JSON_TYPE = { 'content-type': 'application/json' }

/** A JSON response; `body` is serialized here unless it already is (a pre-built poll batch). */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): GatewayAnswer {
  return { status, headers: { ...JSON_TYPE, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }
}

/** The engine's answer as a response. */
export function fromHttpAnswer({ status, body }: HttpAnswer): GatewayAnswer {
  return jsonAnswer(status, body)
}

/** An error answer with the status the protocol's codes table gives `code`. */
export function errorAnswer(code: ErrorCode, message: string, headers: Record<string, string> = {}): GatewayAnswer {
  return jsonAnswer(ERRORS[code].status, { error: { code, message } }, headers)
}

/** `answer` with `headers` added (CORS, on every answer of a protocol route). */
export function withHeaders(answer: GatewayAnswer, headers: Record<string, string>): GatewayAnswer {
  return { ...answer, headers: { ...answer.headers, ...headers } }
}
