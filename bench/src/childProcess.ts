import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** A benchmark process pinned to one CPU core, driven by request/response messages over IPC. */
export interface PinnedChild {
  readonly pid: number
  call<T>(command: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  stop(): Promise<void>
}

interface Reply {
  id: number
  result?: unknown
  error?: string
}

/**
 * Starts `.out/<program>.mjs` under `taskset -c <core>` (so the kernel keeps it on that core) with
 * an IPC channel. `taskset` execs node in place, so the IPC descriptor and env pass through.
 */
export function startPinnedChild(program: string, core: number, nodeFlags: string[] = []): PinnedChild {
  const script = fileURLToPath(new URL(`./${program}.mjs`, import.meta.url))
  const child: ChildProcess = spawn('taskset', ['-c', String(core), process.execPath, ...nodeFlags, script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let nextId = 0
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let exited: Error | undefined
  child.on('message', (message: Reply) => {
    const waiter = waiting.get(message.id)
    if (!waiter) return
    waiting.delete(message.id)
    if (message.error !== undefined) waiter.reject(new Error(`${program}: ${message.error}`))
    else waiter.resolve(message.result)
  })
  child.on('exit', (code, signal) => {
    exited = new Error(`${program} exited (${signal ?? code})`)
    for (const waiter of waiting.values()) waiter.reject(exited)
    waiting.clear()
  })
  return {
    pid: child.pid ?? -1,
    call<T>(command: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
      if (exited) return Promise.reject(exited)
      const id = ++nextId
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id)
          reject(new Error(`${program}: "${command}" got no answer in ${timeoutMs} ms`))
        }, timeoutMs)
        waiting.set(id, {
          resolve: (value) => (clearTimeout(timer), resolve(value as T)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        })
        child.send({ id, command, args })
      })
    },
    async stop() {
      if (exited) return
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      // Closing IPC makes the child exit on its own (and write a --cpu-prof profile); signals only if it does not.
      child.disconnect()
      const term = setTimeout(() => child.kill('SIGTERM'), 3000)
      const kill = setTimeout(() => child.kill('SIGKILL'), 6000)
      await gone
      clearTimeout(term)
      clearTimeout(kill)
    },
  }
}

type Handler = (args: Record<string, unknown>) => unknown

/** The child side: answers each request with its handler's (awaited) result or error message. */
export function serveParent(handlers: Record<string, Handler>): void {
  process.on('message', async (message: { id: number; command: string; args: Record<string, unknown> }) => {
    const handler = handlers[message.command]
    try {
      if (!handler) throw new Error(`unknown command "${message.command}"`)
      process.send!({ id: message.id, result: (await handler(message.args)) ?? null })
    } catch (error) {
      process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) })
    }
  })
  // Exit with the parent: the benchmark never leaves a server or a client process behind.
  process.on('disconnect', () => process.exit(0))
}
