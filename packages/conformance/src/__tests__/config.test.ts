import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_LIMITS, loadConfig, parseConfig } from '../index'
import { testConfig } from './support/testConfig'

const minimal = {
  users: { a: { token: 'token-of-a' }, b: { command: 'echo token-of-b' } },
  channels: { both: 'board:{unique}', onlyA: 'user:a' },
}

describe('the conformance config', () => {
  it('fills in the documented limits and timeouts', () => {
    const config = parseConfig(minimal)
    expect(config.limits).toEqual(DEFAULT_LIMITS)
    expect(config.timeouts).toEqual({ replyMs: 5000, httpMs: 10_000, graceMs: 5000, caseMs: 60_000 })
    expect(config.origin).toBe('http://localhost:3000')
    expect(config.apiKey).toBeUndefined()
  })

  it('takes every kind of token source', () => {
    const config = parseConfig({
      ...minimal,
      users: { a: { url: 'http://127.0.0.1:9/token?sub=a' }, b: { secret: 's', claims: { sub: 'b', roles: ['admin'] }, expiresInSeconds: 600 } },
      expiredToken: { token: 'old' },
    })
    expect(config.users.a).toEqual({ url: 'http://127.0.0.1:9/token?sub=a' })
    expect(config.users.b).toEqual({ secret: 's', claims: { sub: 'b', roles: ['admin'] }, expiresInSeconds: 600 })
    expect(config.expiredToken).toEqual({ token: 'old' })
  })

  it.each([
    [{ ...minimal, users: { a: { token: 'x', command: 'y' }, b: minimal.users.b } }, 'config.users.a must give exactly one of {"token"}, {"command"}, {"url"} or {"secret", "claims"}; got {"token":"x","command":"y"}'],
    [{ ...minimal, users: { a: minimal.users.a } }, 'config.users needs two users, "a" and "b", with different rights'],
    [{ ...minimal, users: { a: { secret: 's', claims: { roles: [] } }, b: minimal.users.b } }, 'config.users.a.claims must be an object with a non-empty "sub", got {"roles":[]}'],
    [{ ...minimal, users: { a: { secret: 's', claims: { sub: 'a', exp: 1 } }, b: minimal.users.b } }, 'config.users.a.claims.exp is set by the kit (use config.users.a.expiresInSeconds for the lifetime)'],
    [{ ...minimal, users: { a: { url: 'ftp://x' }, b: minimal.users.b } }, 'config.users.a.url must be an http(s) URL, got "ftp://x"'],
    [{ ...minimal, channels: { both: 'board {unique}', onlyA: 'user:a' } }, 'config.channels.both: "board {unique}" is not a valid channel name (1-128 letters, digits and _ - : . @; "{unique}" becomes a random id)'],
    [{ ...minimal, channels: { both: 'board:x' } }, 'config.channels.onlyA must be a non-empty string, got undefined'],
    [{ ...minimal, limits: { historySize: '20' } }, 'config.limits.historySize must be a positive integer, got "20"'],
    [{ ...minimal, limits: { histrySize: 20 } }, 'config.limits.histrySize is not a setting of the conformance config (known here: maxFrameBytes, maxSubscriptions, rateLimitBurst, floodFrames, historySize, connectTimeoutMs)'],
    [{ ...minimal, origin: 'http://app.example/path' }, 'config.origin must be an origin like http://app.example (scheme and host, no path), got "http://app.example/path"'],
    [{ ...minimal, refusedOrigin: 'http://localhost:3000' }, 'config.refusedOrigin must differ from config.origin'],
    [{ ...minimal, apiKey: '' }, 'config.apiKey must be a non-empty string, got ""'],
    [[], 'config must be an object, got []'],
  ])('refuses a bad setting with a message naming it (%#)', (value, message) => {
    expect(() => parseConfig(value)).toThrow(new ConfigError(message))
  })

  it('reads a file and names the file in its errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeline-conformance-'))
    try {
      const good = join(dir, 'good.json')
      await writeFile(good, JSON.stringify(testConfig()))
      expect((await loadConfig(good)).limits.historySize).toBe(20)
      // Windows editors save UTF-8 with a byte order mark.
      const bom = join(dir, 'bom.json')
      await writeFile(bom, `\uFEFF${JSON.stringify(testConfig())}`)
      expect((await loadConfig(bom)).limits.historySize).toBe(20)
      const bad = join(dir, 'bad.json')
      await writeFile(bad, '{"users": ')
      await expect(loadConfig(bad)).rejects.toThrow(`the config file ${bad} is not valid JSON`)
      const wrong = join(dir, 'wrong.json')
      await writeFile(wrong, JSON.stringify({ ...minimal, timeouts: { replyMs: -1 } }))
      await expect(loadConfig(wrong)).rejects.toThrow(`${wrong}: config.timeouts.replyMs must be a positive integer, got -1`)
      await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/^cannot read the config file .*missing\.json/)
    } finally {
      await rm(dir, { recursive: true })
    }
  })
})
