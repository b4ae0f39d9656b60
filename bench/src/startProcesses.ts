import { fileURLToPath } from 'node:url'
import { startPinnedChild, type PinnedChild } from './childProcess'

/** Cores: the server(s) on one, the client processes on the other (2-core machine). */
const SERVER_CORE = 0
export const CLIENT_CORE = 1

/** `--cpu-prof` on the command line: server processes write V8 CPU profiles to bench/.out/profiles. */
const SERVER_PROFILING = process.argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('./profiles', import.meta.url))}`] : []

/** Starts server processes (pinned to the server core) and a client process (client core). */
export async function startProcesses(serverCount: number): Promise<{ servers: PinnedChild[]; clients: PinnedChild; stop(): Promise<void> }> {
  const servers = Array.from({ length: serverCount }, () => startPinnedChild('fanoutServer', SERVER_CORE, ['--expose-gc', '--enable-source-maps', ...SERVER_PROFILING]))
  const clients = startPinnedChild('fanoutClients', CLIENT_CORE, ['--max-old-space-size=2048'])
  return {
    servers,
    clients,
    async stop() {
      await Promise.allSettled([clients.call('close', {}, 10_000), ...servers.map((server) => server.call('close', {}, 10_000))])
      await Promise.all([clients.stop(), ...servers.map((server) => server.stop())])
    },
  }
}
