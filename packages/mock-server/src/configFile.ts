/**
 * The CLI's `--config <file.json>`: channel rules, limits and heartbeat as JSON, checked with
 * errors that name the field and say what would be accepted.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md#config-file
 */
import { readFile } from 'node:fs/promises'
import { channelNameProblem } from './engine/channelName'
import { DEFAULT_CHANNEL_RULES, DEFAULT_LIMITS, type ChannelRule, type Claims, type RateLimit } from './engine/index'

/** What a config file sets: options of `createServer`, and the history of the broker the CLI makes. */
export interface ConfigFile {
  channelRules?: ChannelRule[]
  heartbeatMs?: number
  pollMs?: number
  connectTimeoutMs?: number
  maxFrameBytes?: number
  maxSubscriptions?: number
  maxBufferedBytes?: number
  rateLimit?: RateLimit
  historySize?: number
  historyTtlMs?: number
}

/** A config file the CLI cannot use; the message names the file and the field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

type Check = (claims: Claims, params: Record<string, string>) => boolean

const INTEGER_FIELDS = ['heartbeatMs', 'pollMs', 'connectTimeoutMs', 'maxFrameBytes', 'maxSubscriptions', 'maxBufferedBytes', 'historySize', 'historyTtlMs'] as const
const FIELDS = ['channelRules', 'rateLimit', ...INTEGER_FIELDS]
const ACCESS_FORMS = '"anyone", "nobody", {"roles": ["…"]}, {"owner": "<param>"}, {"claim": "<name>", "param": "<param>"}, or a list of them'

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Reads and checks a config file; rejects with a {@link ConfigError}. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as Error).message}`)
  }
  let value: unknown
  try {
    // A byte order mark (Windows editors write one) is not JSON, but the text after it is.
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
  return parseConfig(value, path)
}

/**
 * Checks a parsed config file. `source` names it in the errors.
 *
 * @example
 * parseConfig({ heartbeatMs: 10_000, channelRules: [{ pattern: 'team:{id}', subscribe: 'anyone' }, 'defaults'] }, 'lifeline.json')
 */
export function parseConfig(value: unknown, source: string): ConfigFile {
  const fail = (where: string, problem: string): never => {
    throw new ConfigError(`${source}: ${where}${problem}`)
  }
  if (!isObject(value)) return fail('', `must be a JSON object with some of: ${FIELDS.join(', ')}`)
  const config: ConfigFile = {}
  for (const [key, field] of Object.entries(value)) {
    if ((INTEGER_FIELDS as readonly string[]).includes(key)) {
      if (!Number.isInteger(field) || (field as number) <= 0) fail(`"${key}" `, `must be a positive integer, got ${JSON.stringify(field)}`)
      config[key as (typeof INTEGER_FIELDS)[number]] = field as number
    } else if (key === 'rateLimit') config.rateLimit = rateLimit(field, fail)
    else if (key === 'channelRules') config.channelRules = channelRules(field, fail)
    else fail(`"${key}" `, `is not a setting; the settings are: ${FIELDS.join(', ')}`)
  }
  const heartbeatMs = config.heartbeatMs ?? DEFAULT_LIMITS.heartbeatMs
  if (config.pollMs !== undefined && config.pollMs >= heartbeatMs) {
    fail('"pollMs" ', `(${config.pollMs}) must be below heartbeatMs (${heartbeatMs}${config.heartbeatMs === undefined ? ', the default' : ''}), so a polling client hears from the server in time`)
  }
  return config
}

function rateLimit(value: unknown, fail: (where: string, problem: string) => never): RateLimit {
  if (!isObject(value)) return fail('"rateLimit" ', `must be {"perSecond": <n>, "burst": <n>}, got ${JSON.stringify(value)}`)
  const limit = { ...DEFAULT_LIMITS.rateLimit }
  for (const [key, field] of Object.entries(value)) {
    if (key !== 'perSecond' && key !== 'burst') fail(`"rateLimit.${key}" `, 'is not a setting; use "perSecond" and "burst"')
    if (typeof field !== 'number' || !(field > 0) || !Number.isFinite(field)) fail(`"rateLimit.${key}" `, `must be a positive number, got ${JSON.stringify(field)}`)
    limit[key as keyof RateLimit] = field as number
  }
  return limit
}

function channelRules(value: unknown, fail: (where: string, problem: string) => never): ChannelRule[] {
  if (!Array.isArray(value)) return fail('"channelRules" ', `must be a list of rules (and "defaults" for the built-in ones), got ${JSON.stringify(value)}`)
  return value.flatMap((entry, index): ChannelRule[] => {
    const where = `channelRules[${index}]`
    if (entry === 'defaults') return DEFAULT_CHANNEL_RULES
    if (!isObject(entry)) return fail(`${where} `, `must be a rule {"pattern", "subscribe", "publish"?, "presence"?} or "defaults", got ${JSON.stringify(entry)}`)
    for (const key of Object.keys(entry)) if (!['pattern', 'subscribe', 'publish', 'presence'].includes(key)) fail(`${where}.${key} `, 'is not part of a rule; a rule has "pattern", "subscribe", "publish" and "presence"')
    const pattern = entry.pattern
    if (typeof pattern !== 'string') return fail(`${where}.pattern `, 'is required: a channel name with {param} placeholders, e.g. "team:{id}"')
    const params = [...pattern.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!)
    if (new Set(params).size !== params.length) fail(`${where}.pattern `, `names a {param} twice: "${pattern}"`)
    const literal = channelNameProblem(pattern.replace(/\{\w+\}/g, 'x'))
    if (literal) fail(`${where}.pattern `, `"${pattern}" cannot match a valid channel: ${literal}`)
    if (entry.subscribe === undefined) fail(`${where}.subscribe `, `is required: ${ACCESS_FORMS}`)
    const rule: ChannelRule = { pattern, subscribe: access(entry.subscribe, `${where}.subscribe`, pattern, params, fail) }
    if (entry.publish !== undefined) rule.publish = access(entry.publish, `${where}.publish`, pattern, params, fail)
    if (entry.presence !== undefined) rule.presence = access(entry.presence, `${where}.presence`, pattern, params, fail)
    return [rule]
  })
}

/** One access rule of a channel rule, as a check on the claims and the pattern's params. */
function access(value: unknown, where: string, pattern: string, params: string[], fail: (where: string, problem: string) => never): Check {
  const param = (name: unknown, key: string): string => {
    if (typeof name !== 'string' || !params.includes(name)) {
      fail(`${where}.${key} `, `must name a {param} of "${pattern}" (${params.length ? params.join(', ') : 'it has none'}), got ${JSON.stringify(name)}`)
    }
    return name as string
  }
  if (value === 'anyone') return () => true
  if (value === 'nobody') return () => false
  if (Array.isArray(value) && value.length > 0) {
    const checks = value.map((item, index) => access(item, `${where}[${index}]`, pattern, params, fail))
    return (claims, values) => checks.some((check) => check(claims, values))
  }
  if (isObject(value)) {
    const keys = Object.keys(value).sort().join(',')
    if (keys === 'roles') {
      const roles = value.roles
      if (!Array.isArray(roles) || roles.length === 0 || roles.some((role) => typeof role !== 'string')) fail(`${where}.roles `, `must be a non-empty list of role names, got ${JSON.stringify(roles)}`)
      return (claims) => (roles as string[]).some((role) => claims.roles.includes(role))
    }
    if (keys === 'owner') {
      const name = param(value.owner, 'owner')
      return (claims, values) => values[name] === claims.sub
    }
    if (keys === 'claim,param') {
      if (typeof value.claim !== 'string' || value.claim === '') fail(`${where}.claim `, `must be the name of a token claim, got ${JSON.stringify(value.claim)}`)
      const claim = value.claim as string
      const name = param(value.param, 'param')
      return (claims, values) => claims[claim] !== undefined && String(claims[claim]) === values[name]
    }
  }
  return fail(`${where} `, `must be ${ACCESS_FORMS}, got ${JSON.stringify(value)}`)
}
