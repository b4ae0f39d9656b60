import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGalleryServer, type GalleryServer } from '../../gallery/src/server/startGalleryServer'

/**
 * The gallery's demo mock server (in-memory broker, sample traffic, `/demo/*` controls) for
 * `storybook dev`, on a free port, stopped with the process. It serves no page: Storybook does.
 */
export async function startDemoServer(): Promise<GalleryServer> {
  const noPage = await mkdtemp(join(tmpdir(), 'lifeline-storybook-'))
  const server = await startGalleryServer({ port: 0, siteDir: noPage })
  console.log(`Lifeline demo mock server: ${server.url} (Storybook proxies /ws, /sse, /poll, /publish and /demo to it)`)
  const stop = () => void server.close().finally(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return server
}
