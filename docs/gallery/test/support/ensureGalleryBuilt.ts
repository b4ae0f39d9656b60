import { execFile } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { promisify } from 'node:util'

const galleryDir = fileURLToPath(new URL('../..', import.meta.url))
/** Absolute path of the built page the tests serve. */
export const SITE_DIR = join(galleryDir, 'dist', 'site')
const BUNDLE = join(SITE_DIR, 'gallery.js')
/** What the page is built from: a change in any of them makes the bundle stale. */
const SOURCES = [join(galleryDir, 'src'), join(galleryDir, '..', '..', 'packages', 'client', 'src'), join(galleryDir, '..', '..', 'packages', 'react', 'src')]

async function newestChange(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

/** Builds the gallery (`pnpm run build` in docs/gallery) when dist is missing or older than its sources. */
export async function ensureGalleryBuilt(): Promise<void> {
  const built = await stat(BUNDLE).then(
    (info) => info.mtimeMs,
    () => 0,
  )
  const sources = Math.max(...(await Promise.all(SOURCES.map(newestChange))))
  if (built > sources) return
  await promisify(execFile)('pnpm', ['run', 'build'], { cwd: galleryDir })
}
