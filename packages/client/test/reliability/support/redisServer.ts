import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { freePort } from '../../support/freePort'

/** A private, throwaway redis-server: no persistence, so a restart comes back empty. */
export interface RedisServer {
  readonly url: string
  /** SIGKILL, as a crash or an OOM kill; resolves once the process is gone. */
  kill(): Promise<void>
  /** Starts again on the same port, empty. */
  start(): Promise<void>
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const running = child
      child = undefined
      if (!running || running.exitCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      for (let attempt = 0; attempt < 100 && !(await answersPing(port)); attempt++) await new Promise((resolve) => setTimeout(resolve, 50))
    },
  }
  await server.start()
  return server
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
  })
}
