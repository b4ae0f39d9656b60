import { once } from 'node:events'
import { freePort } from './freePort'
import { spawnGroup, type Group } from './processGroup'

/** `redis-server` from PATH; REDIS_SERVER_PATH points at another copy (read at each start). */
const redisServerPath = () => process.env.REDIS_SERVER_PATH ?? 'redis-server'

/** A private, throwaway `redis-server` that only its test uses: no persistence, so a restart comes back empty. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>`, for `RedisBroker({ url })`. */
  readonly url: string
  /** SIGKILL to its pid, like a crash or an OOM kill; resolves once the process is gone. Idempotent. */
  kill(): Promise<void>
  /** Starts a fresh, empty Redis on the same port: after `kill()`, or when started with `running: false`. */
  start(): Promise<void>
  /** `kill()`, then `start()`. */
  restart(): Promise<void>
}

export interface StartRedisOptions {
  /** Start now, or only pick the port, for a server that must come up before its Redis (`start()` later). @default true */
  running?: boolean
}

/** Starts of a fresh Redis that may pick another port when the one it picked was taken meanwhile. */
const PORT_ATTEMPTS = 3

/**
 * `redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no`, ready to accept
 * connections. Without the program it fails at once with the command that installs it.
 * @example
 * const redis = await startRedis()
 * const broker = new RedisBroker({ url: redis.url })
 * // …
 * await redis.kill()
 */
export async function startRedis({ running = true }: StartRedisOptions = {}): Promise<RedisServer> {
  if (!running) return redisOn(await freePort())
  // A port that was free a moment ago may be taken before redis-server binds it (another test
  // process picked it too): then the first start tries another port. Restarts keep theirs.
  for (let attempt = 1; ; attempt++) {
    const server = redisOn(await freePort())
    try {
      await server.start()
      return server
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !/Address already in use/i.test((error as Error).message)) throw error
    }
  }
}

function redisOn(port: number): RedisServer {
  let group: Group | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const running = group
      group = undefined
      if (!running) return
      const { child } = running
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGKILL')
        await exited
      }
      await running.stop() // forgets the group, so the worker's exit hook leaves it alone
    },
    async start() {
      if (group) throw new Error(`Redis on port ${port} is already running: kill() it first`)
      group = await spawnRedis(port)
    },
    async restart() {
      await server.kill()
      await server.start()
    },
  }
  return server
}

async function spawnRedis(port: number): Promise<Group> {
  const program = redisServerPath()
  let group: Group
  try {
    group = await spawnGroup(program, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new Error(`${program} not found: apt-get install -y redis-server (or pnpm setup:system), or set REDIS_SERVER_PATH`, { cause: error })
  }
  try {
    await group.waitForOutput(/Ready to accept connections/, 10_000)
  } catch (error) {
    await group.stop()
    throw error
  }
  return group
}
