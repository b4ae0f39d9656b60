import { spawn } from 'node:child_process'
import { createServer } from 'node:net'

/** A free TCP port on loopback (asked of the kernel, then released for redis-server to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

export interface RedisProcess {
  url: string
  pid: number
  stop(): Promise<void>
}

/** Starts a throwaway redis-server (no persistence) on a free loopback port; stop it by its pid. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000)
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`))
    })
  })
  child.stdout!.resume()
  const pid = child.pid!
  // Should the benchmark die half-way, it still takes its own Redis (and only that one) with it.
  const killOnExit = () => child.exitCode === null && process.kill(pid, 'SIGKILL')
  process.once('exit', killOnExit)
  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    async stop() {
      process.off('exit', killOnExit)
      process.kill(pid, 'SIGTERM')
      const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
