import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'

/** A `redis-server` this test started, and only that one: it is stopped by its own pid. */
export interface RedisProcess {
  readonly port: number
  readonly url: string
  /** SIGKILL, like a crashed or OOM-killed Redis; resolves once the process is gone. */
  kill(): Promise<void>
  /** Starts a fresh, empty Redis on the same port (after `kill`). */
  restart(): Promise<void>
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** `redis-server --port <free> --save '' --appendonly no`, ready to accept connections. */
export function startRedis(): Promise<RedisProcess> {
  return freePort().then(startRedisOn)
}

/** The same on `port`: for a server that was started before its Redis. */
export async function startRedisOn(port: number): Promise<RedisProcess> {
  let child = await spawnRedis(port)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await stop(child)
    },
    async restart() {
      await stop(child)
      child = await spawnRedis(port)
    },
  }
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (!output.includes('Ready to accept connections')) return
      child.stdout!.off('data', onData)
      resolve()
    }
    child.stdout!.on('data', onData)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)))
  })
  // Keep draining its output so a chatty Redis never blocks on a full pipe.
  child.stdout!.resume()
  child.stderr!.resume()
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(child.pid!, 'SIGKILL')
  await exited
}
