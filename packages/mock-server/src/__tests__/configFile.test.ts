import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeAfterTest, closeOpened } from '@lifeline/testkit/raw'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, readConfigFile } from '../configFile'
import { channelAuthorizer, DEFAULT_CHANNEL_RULES, type Claims } from '../engine/index'

afterEach(closeOpened)

const user = (sub: string, roles: string[] = [], extra: Record<string, unknown> = {}): Claims => ({ sub, roles, ...extra })

/** The message `parseConfig` refuses `value` with. */
function refusal(value: unknown): string {
  try {
    parseConfig(value, 'lifeline.json')
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error(`accepted ${JSON.stringify(value)}`)
}

describe('the config file', () => {
  it('turns declarative channel rules into the checks the engine runs', () => {
    const { channelRules } = parseConfig(
      {
        channelRules: [
          { pattern: 'team:{team}', subscribe: { claim: 'team', param: 'team' }, publish: [{ roles: ['lead'] }, { owner: 'team' }] },
          { pattern: 'inbox:{id}', subscribe: { owner: 'id' }, publish: 'nobody' },
          { pattern: 'lobby', subscribe: 'anyone' },
        ],
      },
      'lifeline.json',
    )
    const allowed = channelAuthorizer(channelRules!)
    expect(allowed(user('ada', [], { team: 'red' }), 'team:red', 'subscribe')).toBe(true)
    expect(allowed(user('ada', [], { team: 'blue' }), 'team:red', 'subscribe')).toBe(false)
    expect(allowed(user('ada', ['lead']), 'team:red', 'publish')).toBe(true)
    expect(allowed(user('red'), 'team:red', 'publish')).toBe(true)
    expect(allowed(user('ada'), 'team:red', 'publish')).toBe(false)
    expect(allowed(user('ada'), 'inbox:ada', 'subscribe')).toBe(true)
    expect(allowed(user('ada'), 'inbox:bob', 'subscribe')).toBe(false)
    expect(allowed(user('ada'), 'inbox:ada', 'publish')).toBe(false)
    expect(allowed(user('ada'), 'lobby', 'subscribe')).toBe(true)
    expect(allowed(user('ada'), 'lobby', 'publish')).toBe(false)
    expect(allowed(user('ada'), 'leaderboard', 'subscribe')).toBe(false)
  })

  it('reads the sample of docs/mock-server.md', async () => {
    const config = await readConfigFile(fileURLToPath(new URL('fixtures/lifeline.json', import.meta.url)))
    expect(config.channelRules).toHaveLength(3 + DEFAULT_CHANNEL_RULES.length)
    expect(config).toMatchObject({ heartbeatMs: 25_000, pollMs: 20_000, rateLimit: { perSecond: 100, burst: 200 }, historySize: 1000 })
    const allowed = channelAuthorizer(config.channelRules!)
    expect(allowed(user('ada', [], { team: 'red' }), 'team:red', 'subscribe')).toBe(true)
    expect(allowed(user('ada'), 'leaderboard', 'subscribe')).toBe(true)
  })

  it('puts the built-in rules where "defaults" stands', () => {
    const { channelRules } = parseConfig({ channelRules: [{ pattern: 'lobby', subscribe: 'anyone' }, 'defaults'] }, 'lifeline.json')
    expect(channelRules).toHaveLength(1 + DEFAULT_CHANNEL_RULES.length)
    expect(channelRules!.slice(1)).toEqual(DEFAULT_CHANNEL_RULES)
  })

  it('takes limits and heartbeat as the createServer options of the same names', () => {
    const settings = { heartbeatMs: 10_000, pollMs: 5_000, connectTimeoutMs: 3_000, maxFrameBytes: 1024, maxSubscriptions: 8, maxBufferedBytes: 4096, historySize: 50, historyTtlMs: 60_000 }
    expect(parseConfig({ ...settings, rateLimit: { perSecond: 5 } }, 'lifeline.json')).toEqual({ ...settings, rateLimit: { perSecond: 5, burst: 200 } })
  })

  it('refuses what it cannot use, naming the field and what would do', () => {
    const cases: [unknown, string][] = [
      [[], 'lifeline.json: must be a JSON object with some of: channelRules, rateLimit, heartbeatMs'],
      [{ heartbeat: 1000 }, '"heartbeat" is not a setting; the settings are: channelRules, rateLimit, heartbeatMs, pollMs'],
      [{ heartbeatMs: '1000' }, '"heartbeatMs" must be a positive integer, got "1000"'],
      [{ maxFrameBytes: 0 }, '"maxFrameBytes" must be a positive integer, got 0'],
      [{ pollMs: 30_000 }, '"pollMs" (30000) must be below heartbeatMs (25000, the default)'],
      [{ heartbeatMs: 5_000, pollMs: 5_000 }, '"pollMs" (5000) must be below heartbeatMs (5000)'],
      [{ rateLimit: { perSecond: -1 } }, '"rateLimit.perSecond" must be a positive number, got -1'],
      [{ rateLimit: { rate: 1 } }, '"rateLimit.rate" is not a setting; use "perSecond" and "burst"'],
      [{ channelRules: {} }, '"channelRules" must be a list of rules'],
      [{ channelRules: ['default'] }, 'channelRules[0] must be a rule {"pattern", "subscribe", "publish"?, "presence"?} or "defaults", got "default"'],
      [{ channelRules: [{ subscribe: 'anyone' }] }, 'channelRules[0].pattern is required'],
      [{ channelRules: [{ pattern: 'team room', subscribe: 'anyone' }] }, 'channelRules[0].pattern "team room" cannot match a valid channel: channel "team room" has a character outside letters, digits and _ - : . @: " "'],
      [{ channelRules: [{ pattern: 'a:{id}:{id}', subscribe: 'anyone' }] }, 'names a {param} twice'],
      [{ channelRules: [{ pattern: 'lobby' }] }, 'channelRules[0].subscribe is required: "anyone", "nobody"'],
      [{ channelRules: [{ pattern: 'lobby', subscribe: 'everyone' }] }, 'channelRules[0].subscribe must be "anyone", "nobody", {"roles": ["…"]}, {"owner": "<param>"}, {"claim": "<name>", "param": "<param>"}, or a list of them, got "everyone"'],
      [{ channelRules: [{ pattern: 'lobby', subscribe: 'anyone', write: 'anyone' }] }, 'channelRules[0].write is not part of a rule'],
      [{ channelRules: [{ pattern: 'inbox:{id}', subscribe: { owner: 'user' } }] }, 'channelRules[0].subscribe.owner must name a {param} of "inbox:{id}" (id), got "user"'],
      [{ channelRules: [{ pattern: 'lobby', subscribe: { owner: 'id' } }] }, 'must name a {param} of "lobby" (it has none)'],
      [{ channelRules: [{ pattern: 'lobby', subscribe: { roles: [] } }] }, 'channelRules[0].subscribe.roles must be a non-empty list of role names'],
      [{ channelRules: [{ pattern: 'lobby', subscribe: 'anyone', publish: ['anyone', 'admins'] }] }, 'channelRules[0].publish[1] must be'],
    ]
    for (const [value, message] of cases) expect(refusal(value), JSON.stringify(value)).toContain(message)
  })

  it('reads a file saved with a byte order mark, as Windows editors save UTF-8', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeline-config-'))
    closeAfterTest(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'bom.json')
    await writeFile(path, '\uFEFF{"heartbeatMs": 7000}')
    expect(await readConfigFile(path)).toEqual({ heartbeatMs: 7000 })
  })

  it('names the file when it cannot be read or is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeline-config-'))
    closeAfterTest(() => rm(dir, { recursive: true, force: true }))
    const broken = join(dir, 'broken.json')
    await writeFile(broken, '{"heartbeatMs": 1000,}')
    await expect(readConfigFile(broken)).rejects.toThrow(new RegExp(`^${broken} is not valid JSON: `))
    await expect(readConfigFile(join(dir, 'missing.json'))).rejects.toThrow(/^Cannot read the config file .*missing\.json: ENOENT/)
  })
})
