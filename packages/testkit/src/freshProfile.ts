import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Engine } from './engines'

export interface Profile {
  readonly dir: string
  remove(): Promise<void>
}

/**
 * An empty directory for one browser launch (profile, caches, WebKit's XDG folders): nothing
 * carries over from an earlier launch or from the user's own browser.
 */
export async function freshProfile(engine: Engine): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), `lifeline-testkit-${engine}-`))
  // Retries: a process killed a moment ago may still be closing files in it.
  return { dir, remove: () => rm(dir, { recursive: true, force: true, maxRetries: 5 }) }
}
