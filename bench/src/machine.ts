import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { markdownTable } from './markdownTable'

const PACKAGES = ['ws', 'socket.io', 'socket.io-client', '@socket.io/redis-adapter', 'ioredis', '@microsoft/signalr', 'centrifuge', 'pusher-js', 'partysocket', 'reconnecting-websocket', 'eventsource']

async function versionOf(name: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }
    return manifest.version
  } catch {
    return 'not installed'
  }
}

/**
 * The commit measured, and how many files under packages/ differed from it (the working tree is
 * what runs). Read when the run starts, as the programs are bundled then.
 */
export async function sourceState(): Promise<string> {
  const git = (...args: string[]) =>
    new Promise<string>((resolve) => execFile('git', args, { cwd: new URL('.', import.meta.url).pathname }, (error, stdout) => resolve(error ? '' : stdout.trim())))
  const commit = await git('rev-parse', '--short', 'HEAD')
  if (!commit) return 'not a git checkout'
  const changed = (await git('status', '--porcelain', '--', '../../packages')).split('\n').filter(Boolean).length
  return changed ? `${commit}, plus uncommitted changes to ${changed} files under packages/ (work in progress by others; the working tree is what was measured)` : commit
}

async function esbuildVersion(): Promise<string> {
  const { version } = await import('esbuild')
  return version
}

/** CPU, memory, kernel, load (2 cores: above 2 means others were waiting for a core), Node and every library's version. */
export async function describeMachine(loadAtStart: number[], source: string): Promise<string> {
  const cores = cpus()
  const rows: string[][] = [
    ['CPU', `${cores[0]?.model ?? 'unknown'} × ${cores.length}`],
    ['Memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['Kernel', `Linux ${release()}`],
    ['Load average (1/5/15 min) at the start of the run', loadAtStart.map((load) => load.toFixed(2)).join(' / ')],
    ['Load average (1/5/15 min) at the end of the run', loadavg().map((load) => load.toFixed(2)).join(' / ')],
    ['Source (at the start of the run)', source],
    ['Node', process.version],
    ['esbuild', await esbuildVersion()],
  ]
  for (const name of PACKAGES) rows.push([name, await versionOf(name)])
  return markdownTable(['', ''], rows)
}
