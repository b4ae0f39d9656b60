import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { freePort } from '@lifeline/testkit/tools'
import { SOURCE_CONDITION } from '../../../../../conditions.mjs'

/** A mock server in a process of its own, so a test can kill it the way a crash does. */
export interface ServerProcess {
  readonly url: string
  /** Key of its `POST /publish` API. */
  readonly apiKey: string
  /** SIGKILL: no close frame, no goodbye, the in-memory history gone; resolves once the process is gone. */
  kill(): Promise<void>
  /** Starts a fresh process on the same port. */
  start(): Promise<void>
  /** Kills it (if running) and removes its bundle. */
  close(): Promise<void>
}

const SOURCE = fileURLToPath(new URL('../../../../mock-server/src', import.meta.url))

/**
 * Bundles the mock server from this checkout's sources (so the process runs the code under test,
 * not an older build) and starts it on a free port with an API key. The bundle holds everything
 * it imports, so it runs from a temporary directory.
 */
export async function startServerProcess(): Promise<ServerProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'lifeline-server-'))
  const entry = join(directory, 'server.mjs')
  await build({
    stdin: {
      contents: `import { createServer } from './index.ts'
const server = await createServer({ port: Number(process.argv[2]), apiKey: process.argv[3], log: () => {} })
console.log('listening on ' + server.url)`,
      resolveDir: SOURCE,
      loader: 'ts',
    },
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: [SOURCE_CONDITION],
    // ws loads these native helpers only when installed; ioredis and msw are never loaded here.
    external: ['bufferutil', 'utf-8-validate', 'ioredis', 'msw'],
    // Bundled CommonJS (ws) calls require(): give the ES module one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  })
  const port = await freePort()
  const apiKey = 'server-process-key'
  let child: ChildProcess | undefined
  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    async kill() {
      const running = child
      child = undefined
      if (!running || running.exitCode !== null || running.signalCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
    async start() {
      const started = spawn(process.execPath, [entry, String(port), apiKey], { stdio: ['ignore', 'pipe', 'inherit'] })
      child = started
      await new Promise<void>((resolve, reject) => {
        let output = ''
        started.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes('listening on')) resolve()
        })
        started.once('exit', (code) => reject(new Error(`the server process exited with ${code} before listening: ${output}`)))
      })
    },
    async close() {
      await server.kill()
      await rm(directory, { recursive: true, force: true })
    },
  }
  await server.start()
  return server
}

/** `POST /publish` on `server`: the position, or `undefined` when the server refused or was not there. */
export async function publishOverHttp(server: Pick<ServerProcess, 'url' | 'apiKey'>, body: { channel: string; event: string; data: unknown; key: string }) {
  try {
    const response = await fetch(`${server.url}/publish`, { method: 'POST', headers: { authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify(body) })
    if (response.status !== 200) return undefined
    return ((await response.json()) as { position: { epoch: string; offset: number } }).position
  } catch {
    // Killed mid-request, or not listening yet.
    return undefined
  }
}
