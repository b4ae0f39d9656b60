import { createServer, DEFAULT_JWT_SECRET, jwtVerifier, startDemo, type MockServer } from '@lifeline/mock-server'
import { demoRoutes } from './demoRoutes'
import { revocations } from './revocations'
import { staticFiles } from './staticFiles'
import { startTicker } from './startTicker'

export interface GalleryServerOptions {
  /** @default 0 (a free port) */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /** Absolute path of the built gallery page (`docs/gallery/dist/site`). */
  siteDir: string
  /** @default DEFAULT_JWT_SECRET (development only) */
  jwtSecret?: string
}

export interface GalleryServer {
  /** Where the gallery and the protocol are served, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  /** The mock server underneath, with its test helpers and fault switches. */
  readonly server: MockServer
  close(): Promise<void>
}

/** Heartbeats every 5 s instead of 25 s, so the inspector's RTT (measured on pings) stays fresh. */
const DEMO_HEARTBEAT_MS = 5000

/**
 * The mock server in demo mode (in-memory broker, sample traffic, the fallback lab's ticker) that
 * also serves the gallery page and its `/demo/*` controls on the same port.
 * @example
 * const gallery = await startGalleryServer({ port: 0, siteDir: '/abs/path/docs/gallery/dist/site' })
 * console.log(gallery.url)
 */
export async function startGalleryServer({
  port = 0,
  host = '127.0.0.1',
  siteDir,
  jwtSecret = DEFAULT_JWT_SECRET,
}: GalleryServerOptions): Promise<GalleryServer> {
  const revoked = revocations()
  const files = staticFiles(siteDir)
  let server: MockServer | undefined
  const demo = demoRoutes({ server: () => server!, revoked, jwtSecret })
  // sample: create-server
  server = await createServer({
    port,
    host,
    jwtSecret,
    verifyToken: revoked.guard(jwtVerifier(jwtSecret)),
    // Tickets are signed with a key derived from the secret, as without `verifyToken`.
    ticketSecret: `${jwtSecret}:sse-ticket`,
    heartbeatMs: DEMO_HEARTBEAT_MS,
    fallback: async (request, response) => {
      if (!(await demo(request, response))) await files(request, response)
    },
  })
  // end sample
  const running = server
  // `engine` is read at each publish: `restart()` replaces it.
  const publish = (input: Parameters<MockServer['engine']['publish']>[0]) => running.engine.publish(input)
  const stopDemo = startDemo(publish)
  const stopTicker = startTicker(publish)
  return {
    url: running.url,
    server: running,
    async close() {
      stopDemo()
      stopTicker()
      await running.close()
    },
  }
}
