import { byteLength } from '@lifeline/protocol'
import type { PublishInput } from './broker'
import { RefusedError } from './refusedError'

/** What a publication may carry; see `EngineOptions` for the defaults. */
export interface PayloadLimits {
  /** Largest `data`, as UTF-8 JSON, in bytes. */
  maxBytes: number
  /** Most objects and arrays nested in one another in `data` (`{"a":[1]}` nests 2). */
  maxDepth: number
}

/** `event` names and idempotency keys: 1–128 UTF-16 code units, as the command parser allows. */
const MAX_NAME_LENGTH = 128

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
/** A lone surrogate, written without lookbehind (a syntax error in older Safari, where MSW runs). */
const LONE_SURROGATE = /(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/

/** Whether `text` is well-formed Unicode: no lone surrogate, which UTF-8 cannot carry. */
export function isWellFormed(text: string): boolean {
  return hasIsWellFormed ? (text as string & { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(text)
}

/**
 * The door every publication passes, whichever way it came in (WebSocket, SSE upstream, HTTP
 * publish API, MSW handlers, `server.publish()`): it answers the JSON text of `data`, or throws a
 * {@link RefusedError} (`BAD_REQUEST`, `FRAME_TOO_LARGE`). What passes encodes, and decodes to the
 * same value, on every subscriber's outlet and in any broker, so nothing stored can stall a channel.
 *
 * Refused: nesting deeper than `maxDepth` (`JSON.stringify` recurses, and a deep enough value
 * overflows its stack after the message was stored); strings and keys with a lone surrogate
 * (UTF-8 has no encoding for one: WebSocket text frames and Redis would turn it into U+FFFD);
 * numbers JSON has no literal for (`1e400` parses to `Infinity`, which encodes as `null`);
 * `undefined`, functions, bigints, symbols and objects other than plain ones and arrays (a
 * `Date` or a `Map` would arrive as something else); data over `maxBytes`.
 * Passed unchanged: duplicate keys (`JSON.parse` already kept the last one, so every subscriber
 * gets that one) and integers beyond 2^53 (already rounded by `JSON.parse`, as every JavaScript
 * client would round them). `-0` arrives as `0`.
 */
export function encodePublication({ event, data, key }: Pick<PublishInput, 'event' | 'data' | 'key'>, limits: PayloadLimits): string {
  if (!isName(event)) throw bad(`"event" must be a well-formed string of 1 to ${MAX_NAME_LENGTH} characters`)
  if (key !== undefined && !isName(key)) throw bad(`"key" must be a well-formed string of 1 to ${MAX_NAME_LENGTH} characters`)
  return encodeData(data, limits)
}

/**
 * The JSON text of `data` under the same rules as a publication's (see {@link encodePublication}),
 * for other values the server stores and sends on (presence data); `name` says which in a refusal.
 */
export function encodeData(data: unknown, limits: PayloadLimits, name = '"data"', tooLarge: 'FRAME_TOO_LARGE' | 'BAD_REQUEST' = 'FRAME_TOO_LARGE'): string {
  const problem = problemOf(data, limits.maxDepth)
  if (problem) throw bad(`${name} cannot be carried as JSON: ${problem}`)
  const text = JSON.stringify(data)
  if (text.length > limits.maxBytes || byteLength(text) > limits.maxBytes) throw new RefusedError(tooLarge, `${name} exceeds ${limits.maxBytes} bytes of JSON`)
  return text
}

const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH && isWellFormed(value)

const bad = (message: string) => new RefusedError('BAD_REQUEST', message)

/**
 * The first reason `data` cannot round-trip through JSON, or `undefined`. Iterative, so a value
 * nested far deeper than the limit costs a loop, not the stack; a cycle ends at the depth limit.
 */
function problemOf(data: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: data, depth: 0 }]
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!
    switch (typeof value) {
      case 'boolean':
        continue
      case 'string':
        if (!isWellFormed(value)) return 'a string with a lone surrogate (not well-formed Unicode)'
        continue
      case 'number':
        if (!Number.isFinite(value)) return `a number JSON has no literal for (${value})`
        continue
      case 'object': {
        if (value === null) continue
        if (depth >= maxDepth) return `objects and arrays nested more than ${maxDepth} deep`
        if (Array.isArray(value)) {
          // Holes read as `undefined`, refused below (JSON.stringify would turn them into null).
          for (let index = 0; index < value.length; index++) stack.push({ value: value[index], depth: depth + 1 })
          continue
        }
        const prototype: unknown = Object.getPrototypeOf(value)
        if (prototype !== Object.prototype && prototype !== null) return 'an object that is not a plain object or an array'
        if (Object.getOwnPropertySymbols(value).length > 0) return 'a symbol-keyed property'
        for (const [name, member] of Object.entries(value)) {
          if (!isWellFormed(name)) return 'a key with a lone surrogate (not well-formed Unicode)'
          stack.push({ value: member, depth: depth + 1 })
        }
        continue
      }
      default:
        return `a value of type ${typeof value}`
    }
  }
  return undefined
}
