import { exec } from 'node:child_process'
import { ConfigError, type ResolvedConfig, type TokenSource } from './config'
import type { Fetch } from './http'
import { forgeToken, jwtPayload, signHs256, unsignedToken } from './jwt'

export type User = 'a' | 'b'

const seconds = (ms: number) => Math.floor(ms / 1000)

/** Runs `command` in a shell and returns what it printed, trimmed. */
function run(command: string, timeoutMs: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    exec(command, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new ConfigError(`${path}.command ${JSON.stringify(command)} failed (${error.killed ? `no output within ${timeoutMs} ms` : `exit ${error.code}`}): ${String(stderr).trim().slice(0, 300)}`))
      else resolve(String(stdout).trim())
    })
  })
}

async function download(fetch: Fetch, url: string, timeoutMs: number, path: string): Promise<string> {
  let text: string
  let status: number
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    status = response.status
    text = (await response.text()).trim()
  } catch (error) {
    throw new ConfigError(`${path}.url ${url} failed: ${(error as Error).message}`)
  }
  if (status !== 200) throw new ConfigError(`${path}.url ${url} answered ${status}: ${text.slice(0, 200)}`)
  try {
    const body = JSON.parse(text) as { token?: unknown }
    if (typeof body?.token === 'string') return body.token
  } catch {
    // Not JSON: the body is the token itself.
  }
  return text
}

/** A token from `source`; `lifetimeSeconds` overrides a signed token's lifetime (negative: already expired). */
export async function tokenFrom(source: TokenSource, path: string, { fetch, timeoutMs, lifetimeSeconds }: { fetch: Fetch; timeoutMs: number; lifetimeSeconds?: number }): Promise<string> {
  let token: string
  if ('token' in source) token = source.token
  else if ('command' in source) token = await run(source.command, timeoutMs, path)
  else if ('url' in source) token = await download(fetch, source.url, timeoutMs, path)
  else {
    const now = seconds(Date.now())
    const lifetime = lifetimeSeconds ?? source.expiresInSeconds ?? 3600
    // An expired token was issued before it expired.
    const iat = lifetime > 0 ? now : now + lifetime - 60
    token = signHs256({ ...source.claims, iat, exp: now + lifetime }, source.secret)
  }
  if (!token || /\s/.test(token)) throw new ConfigError(`${path} gave ${token ? 'a token with whitespace in it' : 'an empty token'}: ${JSON.stringify(token.slice(0, 80))}`)
  return token
}

/**
 * The tokens of one run: each user's, fetched once at the start (a bad source fails the run before
 * any case), and the derived ones: fresh, expired, short-lived, forged, unsigned.
 */
export class Tokens {
  readonly #config: ResolvedConfig
  readonly #fetch: Fetch
  readonly #tokens: Record<User, string>

  private constructor(config: ResolvedConfig, fetch: Fetch, tokens: Record<User, string>) {
    this.#config = config
    this.#fetch = fetch
    this.#tokens = tokens
  }

  static async resolve(config: ResolvedConfig, fetch: Fetch): Promise<Tokens> {
    const timeoutMs = config.timeouts.httpMs
    const [a, b] = await Promise.all((['a', 'b'] as const).map((user) => tokenFrom(config.users[user], `config.users.${user}`, { fetch, timeoutMs })))
    if (a === b) throw new ConfigError('config.users.a and config.users.b gave the same token: the kit needs two users with different rights')
    return new Tokens(config, fetch, { a: a!, b: b! })
  }

  /** The user's token for this run. */
  of(user: User): string {
    return this.#tokens[user]
  }

  /** The user's `sub`, when the kit can read it (signed by the kit, or a JWT). */
  subjectOf(user: User): string | undefined {
    const source = this.#config.users[user]
    if ('secret' in source) return source.claims.sub
    const sub = jwtPayload(this.#tokens[user])?.sub
    return typeof sub === 'string' ? sub : undefined
  }

  /** A new token for the user from its source (a signed one may get another lifetime). */
  fresh(user: User, lifetimeSeconds?: number): Promise<string> {
    return tokenFrom(this.#config.users[user], `config.users.${user}`, { fetch: this.#fetch, timeoutMs: this.#config.timeouts.httpMs, ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }) })
  }

  /** Whether the kit signs this user's tokens (and so can choose their lifetime). */
  signs(user: User): boolean {
    return 'secret' in this.#config.users[user]
  }

  /** An expired token of a known user, or `undefined` when neither the config nor a secret gives one. */
  async expired(): Promise<string | undefined> {
    if (this.#config.expiredToken) return tokenFrom(this.#config.expiredToken, 'config.expiredToken', { fetch: this.#fetch, timeoutMs: this.#config.timeouts.httpMs })
    const user = (['a', 'b'] as const).find((candidate) => this.signs(candidate))
    return user ? this.fresh(user, -3600) : undefined
  }

  /** User A's token with a forged signature. */
  forged(): string {
    return forgeToken(this.#tokens.a)
  }

  /** User A's claims with `alg: none`, when A's token is a JWT. */
  unsigned(): string | undefined {
    return unsignedToken(this.#tokens.a)
  }
}
