/**
 * `lifeline-mock-server`: starts the reference server, or mints a development token.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md#cli
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError, readConfigFile, type ConfigFile } from './configFile'
import { createServer, type ServerOptions } from './createServer'
import { startDemo } from './demo'
import { DEFAULT_HISTORY_OPTIONS, DEFAULT_JWT_SECRET, MemoryBroker, signToken } from './engine/index'
import { bareHost } from './httpUrl'
// Only a constant and types: ioredis itself is loaded with the broker, when --redis is given.
import { MIN_PRESENCE_TTL_MS } from './redis/redisBrokerOptions'
import { stopWithin } from './stopWithin'

const USAGE = `Usage:
  lifeline-mock-server [options]            start the server
  lifeline-mock-server token --sub <user>   print a development JWT

Server options (flag, or environment variable):
  --port <n>              PORT              default 8080 (0 picks a free port)
  --host <addr>           HOST              default 127.0.0.1 (IPv6 like ::1, with or without brackets)
  --jwt-secret <s>        JWT_SECRET        default ${DEFAULT_JWT_SECRET} (development only)
  --api-key <s>           API_KEY           enables POST /publish
  --allowed-origins <a,b> ALLOWED_ORIGINS   default *
  --redis <url>           REDIS_URL         Redis broker for several replicas (default: in memory)
  --history-size <n>      HISTORY_SIZE      default ${DEFAULT_HISTORY_OPTIONS.historySize}
  --history-ttl <ms>      HISTORY_TTL_MS    default ${DEFAULT_HISTORY_OPTIONS.historyTtlMs}
  --presence-ttl <ms>     PRESENCE_TTL_MS   with --redis: a dead replica's presence ends within this plus a third (default 10000, at least ${MIN_PRESENCE_TTL_MS})
  --demo                  DEMO=1            publish sample traffic on the demo channels
  --config <file.json>    CONFIG_FILE       channel rules, limits and heartbeat (a flag wins over the file)
  -v, --version                             print the version

Token options:
  --sub <user>            subject (required)
  --roles <a,b>           e.g. admin,mentor
  --expires-in <seconds>  default 3600
  --jwt-secret <s>        JWT_SECRET`

/**
 * How long a graceful stop may take before the process exits with 1 anyway. The server's own close
 * cuts what is left after 50 ms, and the Redis broker's waits for at most two commands of
 * `commandTimeoutMs` (2 s each); this leaves room above that, and stays below the 10 s `docker stop`
 * gives before its SIGKILL, so the message saying what did not close is printed first.
 */
const STOP_DEADLINE_MS = 8000

/** A bad flag value: printed with the usage, exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError'
}

function number(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`)
  return parsed
}

function portNumber(value: string | undefined): number {
  const port = number('port', value, 8080)
  if (port > 65_535) throw new UsageError(`--port must be a TCP port from 0 to 65535 (0 picks a free one), got "${value}"`)
  return port
}

/**
 * The browser origins to accept. A browser's `Origin` header is scheme and host only, so an entry
 * with a path or a trailing slash would never match, and an empty list would refuse every browser.
 */
function origins(value: string | undefined): string[] {
  const items = list(value) ?? ['*']
  if (items.length === 0) throw new UsageError(`--allowed-origins needs a comma-separated list of origins (or * for any), got "${value}"`)
  const bad = items.find((item) => item !== '*' && !/^https?:\/\/[^/\s]+$/.test(item))
  if (bad) throw new UsageError(`--allowed-origins takes origins like http://localhost:3000 (scheme and host, no path or trailing slash) or *, got "${bad}"`)
  return items
}

/** A server that could not start for a reason the user can fix: printed without a stack trace, exit code 1. */
class StartError extends Error {
  override readonly name = 'StartError'
}

/** Why `listen` failed, in words that say what to change. */
function listenProblem(error: unknown, host: string, port: number): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  if (code === 'EADDRINUSE') return `Port ${port} on ${host} is already in use: stop what holds it, or pick another with --port (--port 0 picks a free one)`
  if (code === 'EACCES') return `No permission to listen on port ${port} on ${host}: ports below 1024 need privileges; pick another with --port`
  // EAFNOSUPPORT: an IPv6 address on a machine without IPv6.
  if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Cannot listen on host "${host}" (${String(code)}): give an address of this machine with --host, e.g. 127.0.0.1, 0.0.0.0 or ::1`
  return undefined
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean)

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'jwt-secret': { type: 'string' },
      'api-key': { type: 'string' },
      'allowed-origins': { type: 'string' },
      redis: { type: 'string' },
      'history-size': { type: 'string' },
      'history-ttl': { type: 'string' },
      'presence-ttl': { type: 'string' },
      demo: { type: 'boolean' },
      config: { type: 'string' },
      version: { type: 'boolean', short: 'v' },
      sub: { type: 'string' },
      roles: { type: 'string' },
      'expires-in': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  if (values.version) {
    console.log(version())
    return
  }
  const jwtSecret = values['jwt-secret'] ?? env.JWT_SECRET ?? DEFAULT_JWT_SECRET

  if (positionals[0] === 'token') {
    if (!values.sub) throw new UsageError('token needs --sub <user>')
    const expiresInSeconds = number('expires-in', values['expires-in'], 3600)
    // 0 would print a token that is already expired: every server refuses it with TOKEN_EXPIRED.
    if (expiresInSeconds === 0) throw new UsageError('--expires-in must be a positive number of seconds')
    console.log(await signToken({ secret: jwtSecret, sub: values.sub, roles: list(values.roles) ?? [], expiresInSeconds }))
    return
  }
  if (positionals.length > 0) throw new UsageError(`Unknown command "${positionals[0]}"`)

  const configPath = values.config ?? env.CONFIG_FILE
  const { historySize: fileHistorySize, historyTtlMs: fileHistoryTtlMs, ...fileOptions }: ConfigFile = configPath ? await readConfigFile(configPath) : {}
  const historySize = number('history-size', values['history-size'] ?? env.HISTORY_SIZE, fileHistorySize ?? DEFAULT_HISTORY_OPTIONS.historySize)
  const historyTtlMs = number('history-ttl', values['history-ttl'] ?? env.HISTORY_TTL_MS, fileHistoryTtlMs ?? DEFAULT_HISTORY_OPTIONS.historyTtlMs)
  // As in the config file: the Redis broker refuses 0, so the flag does on every broker.
  if (historySize === 0) throw new UsageError('--history-size must be a positive number of messages')
  if (historyTtlMs === 0) throw new UsageError('--history-ttl must be a positive number of milliseconds')
  const apiKey = values['api-key'] ?? env.API_KEY
  const redisUrl = values.redis ?? env.REDIS_URL
  // ioredis reads "redis.internal" as a host and "http://…" as a socket path, then retries forever:
  // a typo would only show as a degraded broker.
  if (redisUrl && !/^rediss?:\/\/./.test(redisUrl)) throw new UsageError(`--redis must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379, got "${redisUrl}"`)
  // ioredis is an optional peer dependency: loaded only when a Redis URL is given.
  const presenceTtl = values['presence-ttl'] ?? env.PRESENCE_TTL_MS
  const presenceTtlMs = presenceTtl === undefined ? undefined : number('presence-ttl', presenceTtl, 10_000)
  // The liveness key is renewed every third of it: a few milliseconds would renew it in a tight loop on Redis.
  if (presenceTtlMs !== undefined && presenceTtlMs < MIN_PRESENCE_TTL_MS) throw new UsageError(`--presence-ttl must be at least ${MIN_PRESENCE_TTL_MS} milliseconds, got "${presenceTtl}"`)
  const broker = redisUrl
    ? new (await import('./redis/redisBroker')).RedisBroker({ url: redisUrl, historySize, historyTtlMs, ...(presenceTtlMs === undefined ? {} : { presenceTtlMs }) })
    : new MemoryBroker({ historySize, historyTtlMs })
  if (redisUrl) {
    // Serves local clients at once; Redis joins in (and comes back after outages) on its own.
    broker.onHealthChange((health) => console.log(health.status === 'ok' ? 'Redis broker: ok' : `Redis broker degraded: ${health.reason}`))
  }
  const options: ServerOptions = {
    ...fileOptions,
    port: portNumber(values.port ?? env.PORT),
    // An IPv6 literal copied from a URL (`[::1]`) loses its brackets, which `listen` does not take.
    host: bareHost(values.host ?? env.HOST ?? '127.0.0.1'),
    jwtSecret,
    broker,
    allowedOrigins: origins(values['allowed-origins'] ?? env.ALLOWED_ORIGINS),
    ...(apiKey ? { apiKey } : {}),
  }
  const server = await createServer(options).catch(async (error: unknown) => {
    await broker.close().catch(() => {})
    const problem = listenProblem(error, options.host!, options.port!)
    if (problem) throw new StartError(problem)
    // createServer checks the options it was given (limits, heartbeat, poll hold) with a TypeError.
    if (error instanceof TypeError) throw configPath ? new ConfigError(`${configPath}: ${error.message}`) : new UsageError(error.message)
    throw error
  })
  const stopDemo = values.demo || env.DEMO === '1' ? startDemo((input) => server.engine.publish(input)) : undefined
  // The "listening on" line comes last: whoever waits for it (a script, a test) has the others too.
  if (configPath) console.log(`Config from ${configPath}: ${describeConfig(fileOptions)}`)
  if (stopDemo) console.log(`Demo traffic on: dashboard, leaderboard, board:demo, user:<ada|grace|linus>`)
  console.log(`Lifeline mock server listening on ${server.url} (WebSocket ${server.url.replace('http', 'ws')}/ws, SSE ${server.url}/sse)`)
  if (jwtSecret === DEFAULT_JWT_SECRET) console.log(`Development JWT secret in use; mint a token with: lifeline-mock-server token --sub ada`)

  // A second signal while stopping (an impatient Ctrl-C, a supervisor repeating SIGTERM) must not
  // kill the process halfway: the first one's close is already under way and bounded by STOP_DEADLINE_MS.
  let stopping = false
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    console.log(`Stopping (${signal}): telling clients to reconnect`)
    stopDemo?.()
    const steps = [
      { name: 'the server', close: () => server.close() },
      { name: redisUrl ? 'the Redis broker' : 'the broker', close: () => broker.close() },
    ]
    void stopWithin(steps, STOP_DEADLINE_MS).then(({ code, problem }) => {
      if (problem) console.error(problem)
      process.exit(code)
    })
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

/** This package's version, from its package.json (next to `dist/` and `src/` alike). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

function describeConfig({ channelRules, ...settings }: Omit<ConfigFile, 'historySize' | 'historyTtlMs'>): string {
  const parts = [channelRules ? `${channelRules.length} channel rules` : 'the default channel rules', ...Object.entries(settings).map(([name, value]) => `${name} ${JSON.stringify(value)}`)]
  return parts.join(', ')
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`${error.message}\n(see the config file format: https://github.com/lifeline-rt/lifeline/blob/main/docs/mock-server.md#config-file)`)
    process.exit(2)
  }
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(`${error.message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (error instanceof StartError) {
    console.error(error.message)
    process.exit(1)
  }
  console.error('[lifeline] failed to start:', error)
  process.exit(1)
})
