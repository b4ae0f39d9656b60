/**
 * Hostile publication payloads for the fuzz scenarios, as raw JSON text (what a client or a backend
 * can send, and `JSON.stringify` never produces: lone surrogates, `1e400`, duplicate keys), with an
 * oracle, written apart from the server's checks, for what the server must do with each.
 */

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Random = () => number
const choose = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

/** String pieces, JSON-escaped: ordinary text, odd but valid Unicode, and (rarely) lone surrogates. */
const PIECES = ['a', 'Zz', ' ', 'é', '🧑‍🚀', '\\ud83d\\ude00', '\\u0000', '\\u2028', '\\u2029', '\\ufeff', '\\u202e', '\\"', '\\\\', '\\n', '<script>', '%s']
const LONE = ['\\ud800', '\\udbff', '\\udc00', '\\udfff']
const NUMBERS = ['0', '-0', '7', '-42', '3.14', '1e-400', '1.7976931348623157e308', '9007199254740993', '123456789012345678901234567890', '1e400', '-1e400']
const KEYS = ['a', 'b', 'id', '__proto__', 'constructor', 'toString', '', 'é', '\\u0000']

function text(random: Random): string {
  let body = ''
  for (let count = Math.floor(random() * 6); count > 0; count--) body += random() < 0.04 ? choose(random, LONE) : choose(random, PIECES)
  return `"${body}"`
}

function scalar(random: Random): string {
  const pick = random()
  if (pick < 0.4) return text(random)
  if (pick < 0.8) return random() < 0.9 ? choose(random, NUMBERS.slice(0, 9)) : choose(random, NUMBERS.slice(9))
  return choose(random, ['true', 'false', 'null'])
}

function value(random: Random, budget: number): string {
  if (budget <= 0 || random() < 0.45) return scalar(random)
  const items = Array.from({ length: Math.floor(random() * 4) }, () => value(random, budget - 1))
  if (random() < 0.5) return `[${items.join(',')}]`
  // Keys may repeat: JSON allows it, and JSON.parse keeps the last.
  return `{${items.map((item) => `"${choose(random, KEYS)}":${item}`).join(',')}}`
}

/** One hostile payload: deep nesting, a size near the limit, or a random value with odd parts. */
export function hostilePayload(random: Random): string {
  const pick = random()
  if (pick < 0.15) {
    const depth = choose(random, [31, 32, 33, 40, 1000, 5000])
    return random() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
  }
  if (pick < 0.22) return `"${(random() < 0.5 ? 'é' : 'x').repeat(30_000 + Math.floor(random() * 40_000))}"`
  return value(random, 4)
}

/** What the server must do with a payload; `value` is what every subscriber then receives. */
export type Expected = { deliver: true; value: unknown } | { deliver: false; code: 'BAD_REQUEST' | 'FRAME_TOO_LARGE' }

/**
 * The oracle: refused `FRAME_TOO_LARGE` when the frame or body around it is over `maxFrameBytes`
 * (`frame`: the bytes of the whole command or body), else `BAD_REQUEST` when it cannot round-trip
 * (nested over 32, a lone surrogate, a number beyond double range), else `FRAME_TOO_LARGE` when
 * its JSON is over the limit; otherwise delivered as `JSON.stringify` writes what `JSON.parse` read.
 */
export function expectedFor(raw: string, frame: number, maxFrameBytes = 65_536): Expected {
  if (frame > maxFrameBytes) return { deliver: false, code: 'FRAME_TOO_LARGE' }
  const parsed: unknown = JSON.parse(raw)
  if (!carriable(parsed)) return { deliver: false, code: 'BAD_REQUEST' }
  const encoded = JSON.stringify(parsed)
  if (Buffer.byteLength(encoded) > maxFrameBytes) return { deliver: false, code: 'FRAME_TOO_LARGE' }
  return { deliver: true, value: JSON.parse(encoded) }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function carriable(root: unknown): boolean {
  const stack: [unknown, number][] = [[root, 0]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    if (typeof item === 'string' && LONE_SURROGATE.test(item)) return false
    if (typeof item === 'number' && !Number.isFinite(item)) return false
    if (typeof item !== 'object' || item === null) continue
    if (depth + 1 > 32) return false
    for (const [key, member] of Object.entries(item)) {
      if (LONE_SURROGATE.test(key)) return false
      stack.push([member, depth + 1])
    }
  }
  return true
}
