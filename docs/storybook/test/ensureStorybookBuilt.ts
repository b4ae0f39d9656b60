import { execFile } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const storybookDir = fileURLToPath(new URL('..', import.meta.url))
const repository = join(storybookDir, '..', '..')
/** The static Storybook the test serves. */
export const STATIC_DIR = join(storybookDir, 'storybook-static')
/** What the build is made from: a change in any of them makes it stale. */
const SOURCES = [
  join(storybookDir, '.storybook'),
  join(repository, 'docs', 'gallery', 'src'),
  ...['client', 'react', 'protocol'].map((name) => join(repository, 'packages', name, 'src')),
]

async function newestChange(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

/** Runs `storybook build` when storybook-static is missing or older than its sources. */
export async function ensureStorybookBuilt(): Promise<void> {
  const built = await stat(join(STATIC_DIR, 'index.json')).then(
    (info) => info.mtimeMs,
    () => 0,
  )
  const sources = Math.max(...(await Promise.all(SOURCES.map(newestChange))))
  if (built > sources) return
  await promisify(execFile)('pnpm', ['run', 'build-storybook'], { cwd: storybookDir, maxBuffer: 16 * 1024 * 1024 })
}
