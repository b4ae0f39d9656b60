import { readFile } from 'node:fs/promises'
import { CHANNEL_NAME } from '@lifeline/protocol'

/**
 * Where the kit gets a user's token, one of:
 * - `{ "token": "eyJ…" }`: this token;
 * - `{ "command": "./mint-token ada" }`: a shell command that prints one;
 * - `{ "url": "http://127.0.0.1:8000/token?sub=ada" }`: a GET whose body is the token, or JSON `{"token": "…"}`;
 * - `{ "secret": "…", "claims": { "sub": "ada" } }`: an HS256 JWT the kit signs itself (with `iat`
 *   and `exp`), which also lets it derive expired, short-lived and forged tokens.
 */
export type TokenSource =
  | { token: string }
  | { command: string }
  | { url: string }
  | {
      secret: string
      claims: { sub: string; [claim: string]: unknown }
      /** @default 3600 */
      expiresInSeconds?: number
    }

/** The server's limits, as the limits and recovery cases need them. Defaults are the protocol's documented defaults. */
export interface Limits {
  /** @default 65_536 */
  maxFrameBytes: number
  /** @default 128 */
  maxSubscriptions: number
  /** Commands a fresh connection may send at once before `RATE_LIMITED`. @default 200 */
  rateLimitBurst: number
  /** Rate-limited frames after which the server closes with 4002. @default 1000 */
  floodFrames: number
  /** Messages a channel keeps for recovery. @default 1000 */
  historySize: number
  /** A WebSocket without `connect` is closed with 4003 after this long. @default 10_000 */
  connectTimeoutMs: number
}

/** How long the kit waits. Every wait is bounded by one of these. */
export interface Timeouts {
  /** For a reply, a message or a close. @default 5000 */
  replyMs: number
  /** For an HTTP answer (polls: heartbeatMs + this). @default 10_000 */
  httpMs: number
  /** Slack on top of the server's heartbeatMs, token expiry and connect timeout. @default 5000 */
  graceMs: number
  /** For a whole case (cases that wait for a heartbeat or a timeout get that wait on top). @default 60_000 */
  caseMs: number
}

/** The config file, as written. */
export interface ConformanceConfig {
  /** User A may use every channel below; user B may not use `onlyA` (nor publish on `readOnlyForB`). */
  users: { a: TokenSource; b: TokenSource }
  /** Channel names; `{unique}` is replaced by a fresh random id wherever a case needs its own channel. */
  channels: {
    /** Both users may subscribe and publish. */
    both: string
    /** Only user A may subscribe and publish; user B gets FORBIDDEN. */
    onlyA: string
    /** Both may subscribe; user B gets FORBIDDEN when publishing. Optional. */
    readOnlyForB?: string
  }
  /** `Authorization: Bearer <apiKey>` for `POST /publish`; without it the publish API case is not applicable. */
  apiKey?: string
  /** An expired token, when the users' tokens are not signed by the kit. */
  expiredToken?: TokenSource
  /** A browser origin the server allows, for the CORS cases. @default 'http://localhost:3000' */
  origin?: string
  /** A browser origin the server refuses; without it the refused-origin case is not applicable. */
  refusedOrigin?: string
  limits?: Partial<Limits>
  timeouts?: Partial<Timeouts>
}

/** The config with every default filled in. */
export interface ResolvedConfig {
  users: { a: TokenSource; b: TokenSource }
  channels: ConformanceConfig['channels']
  apiKey?: string
  expiredToken?: TokenSource
  origin: string
  refusedOrigin?: string
  limits: Limits
  timeouts: Timeouts
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 65_536,
  maxSubscriptions: 128,
  rateLimitBurst: 200,
  floodFrames: 1000,
  historySize: 1000,
  connectTimeoutMs: 10_000,
}

export const DEFAULT_TIMEOUTS: Timeouts = { replyMs: 5000, httpMs: 10_000, graceMs: 5000, caseMs: 60_000 }

/** A config that cannot work, with the path of the bad setting (`config.users.a`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const shown = (value: unknown) => JSON.stringify(value) ?? String(value)

function objectAt(value: unknown, path: string, known: string[]): Json {
  if (!isObject(value)) throw new ConfigError(`${path} must be an object, got ${shown(value)}`)
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError(`${path}.${key} is not a setting of the conformance config (known here: ${known.join(', ')})`)
  }
  return value
}

function stringAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${path} must be a non-empty string, got ${shown(value)}`)
  return value
}

function tokenSource(value: unknown, path: string): TokenSource {
  const kinds = ['token', 'command', 'url', 'secret']
  const given = isObject(value) ? kinds.filter((kind) => kind in value) : []
  if (given.length !== 1) {
    throw new ConfigError(`${path} must give exactly one of {"token"}, {"command"}, {"url"} or {"secret", "claims"}; got ${shown(value)}`)
  }
  const kind = given[0]!
  const source = objectAt(value, path, kind === 'secret' ? ['secret', 'claims', 'expiresInSeconds'] : [kind])
  if (kind === 'token') return { token: stringAt(source.token, `${path}.token`) }
  if (kind === 'command') return { command: stringAt(source.command, `${path}.command`) }
  if (kind === 'url') {
    const url = stringAt(source.url, `${path}.url`)
    if (!/^https?:\/\/[^/]/.test(url)) throw new ConfigError(`${path}.url must be an http(s) URL, got ${shown(url)}`)
    return { url }
  }
  const claims = source.claims
  if (!isObject(claims) || typeof claims.sub !== 'string' || claims.sub === '') throw new ConfigError(`${path}.claims must be an object with a non-empty "sub", got ${shown(claims)}`)
  for (const reserved of ['exp', 'iat']) {
    if (reserved in claims) throw new ConfigError(`${path}.claims.${reserved} is set by the kit (use ${path}.expiresInSeconds for the lifetime)`)
  }
  const expiresInSeconds = source.expiresInSeconds
  if (expiresInSeconds !== undefined && !(Number.isInteger(expiresInSeconds) && (expiresInSeconds as number) > 60)) {
    throw new ConfigError(`${path}.expiresInSeconds must be an integer over 60 (the run must not outlive its tokens), got ${shown(expiresInSeconds)}`)
  }
  return {
    secret: stringAt(source.secret, `${path}.secret`),
    claims: claims as { sub: string },
    ...(expiresInSeconds === undefined ? {} : { expiresInSeconds: expiresInSeconds as number }),
  }
}

function channelAt(value: unknown, path: string): string {
  const name = stringAt(value, path)
  if (!CHANNEL_NAME.test(name.replaceAll('{unique}', 'u0'))) {
    throw new ConfigError(`${path}: ${shown(name)} is not a valid channel name (1-128 letters, digits and _ - : . @; "{unique}" becomes a random id)`)
  }
  return name
}

function originAt(value: unknown, path: string): string {
  const origin = stringAt(value, path)
  if (!/^https?:\/\/[^/]+$/.test(origin)) throw new ConfigError(`${path} must be an origin like http://app.example (scheme and host, no path), got ${shown(origin)}`)
  return origin
}

function numbersAt<T extends object>(value: unknown, path: string, defaults: T): T {
  if (value === undefined) return { ...defaults }
  const given = objectAt(value, path, Object.keys(defaults))
  for (const [key, number] of Object.entries(given)) {
    if (!(Number.isInteger(number) && (number as number) > 0)) throw new ConfigError(`${path}.${key} must be a positive integer, got ${shown(number)}`)
  }
  return { ...defaults, ...given }
}

/**
 * Checks a config (parsed JSON) and fills in the defaults. Throws a {@link ConfigError} naming the
 * first bad setting.
 *
 * @example
 * const config = parseConfig({
 *   users: { a: { secret: 's3cret', claims: { sub: 'ada' } }, b: { command: './mint-token bob' } },
 *   channels: { both: 'board:{unique}', onlyA: 'user:ada' },
 * })
 * config.limits.historySize // 1000, the documented default
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/conformance.md#the-config
 */
export function parseConfig(value: unknown): ResolvedConfig {
  const config = objectAt(value, 'config', ['$schema', 'users', 'channels', 'apiKey', 'expiredToken', 'origin', 'refusedOrigin', 'limits', 'timeouts'])
  const users = objectAt(config.users, 'config.users', ['a', 'b'])
  if (!users.a || !users.b) throw new ConfigError('config.users needs two users, "a" and "b", with different rights')
  const channels = objectAt(config.channels, 'config.channels', ['both', 'onlyA', 'readOnlyForB'])
  const origin = originAt(config.origin ?? 'http://localhost:3000', 'config.origin')
  const refusedOrigin = config.refusedOrigin === undefined ? undefined : originAt(config.refusedOrigin, 'config.refusedOrigin')
  if (refusedOrigin === origin) throw new ConfigError('config.refusedOrigin must differ from config.origin')
  return {
    users: { a: tokenSource(users.a, 'config.users.a'), b: tokenSource(users.b, 'config.users.b') },
    channels: {
      both: channelAt(channels.both, 'config.channels.both'),
      onlyA: channelAt(channels.onlyA, 'config.channels.onlyA'),
      ...(channels.readOnlyForB === undefined ? {} : { readOnlyForB: channelAt(channels.readOnlyForB, 'config.channels.readOnlyForB') }),
    },
    ...(config.apiKey === undefined ? {} : { apiKey: stringAt(config.apiKey, 'config.apiKey') }),
    ...(config.expiredToken === undefined ? {} : { expiredToken: tokenSource(config.expiredToken, 'config.expiredToken') }),
    origin,
    ...(refusedOrigin === undefined ? {} : { refusedOrigin }),
    limits: numbersAt(config.limits, 'config.limits', DEFAULT_LIMITS),
    timeouts: numbersAt(config.timeouts, 'config.timeouts', DEFAULT_TIMEOUTS),
  }
}

/**
 * Reads and checks a config file (JSON). Throws a {@link ConfigError} naming the file and the bad setting.
 *
 * @example
 * const report = await runConformance({ url: 'http://127.0.0.1:8000', config: await loadConfig('conformance.json') })
 */
export async function loadConfig(path: string): Promise<ResolvedConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${path}: ${(error as Error).message}`)
  }
  let value: unknown
  try {
    // A byte order mark (Windows editors write one) is not JSON, but the text after it is.
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new ConfigError(`the config file ${path} is not valid JSON: ${(error as Error).message}`)
  }
  try {
    return parseConfig(value)
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${path}: ${error.message}`)
    throw error
  }
}
