import { execFile } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

export const run = promisify(execFile)
/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..')
/** Every published package: its folder under packages/ and its name. */
export const PUBLISHED = [
  { dir: 'client', name: '@lifeline/client' },
  { dir: 'react', name: '@lifeline/react' },
  { dir: 'mock-server', name: '@lifeline/mock-server' },
  { dir: 'conformance', name: '@lifeline/conformance' },
] as const

const modified = (path: string) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0
const newestSource = (dir: string) =>
  Math.max(...readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => modified(join(entry.parentPath, entry.name))))

/**
 * Builds the packages when a dist is missing or older than the sources (`pnpm test` builds first;
 * a lone run of this project may not have).
 */
export async function ensureBuilt(): Promise<void> {
  // The protocol is inlined into the builds: its sources and the Redis scripts the mock server carries as strings.
  const sourceDirs = [...PUBLISHED.map(({ dir }) => `${dir}/src`), 'protocol/src', 'protocol/redis']
  const sources = Math.max(...sourceDirs.map((dir) => newestSource(join(ROOT, 'packages', dir))))
  if (PUBLISHED.every(({ dir }) => modified(join(ROOT, 'packages', dir, 'dist', 'index.js')) > sources)) return
  // `name...` is the package and what it depends on in the workspace (the protocol it inlines).
  const filters = PUBLISHED.flatMap(({ name }) => ['--filter', `${name}...`])
  await run('pnpm', [...filters, 'run', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
}

/** `pnpm pack` of every published package into `destination`, as it would be published; name → tarball path. */
export async function packAll(destination: string): Promise<Record<string, string>> {
  const tarballs: Record<string, string> = {}
  for (const { dir, name } of PUBLISHED) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination], { cwd: join(ROOT, 'packages', dir) })
    tarballs[name] = stdout.trim().split('\n').at(-1)!
  }
  return tarballs
}
