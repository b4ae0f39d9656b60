/**
 * `pnpm start`: serves the gallery with the mock server in demo mode on one port.
 * PORT (default 8080, 0 picks a free one) and HOST (default 127.0.0.1) come from the environment.
 */
import { fileURLToPath } from 'node:url'
import { startGalleryServer } from './startGalleryServer'

const port = Number(process.env.PORT ?? 8080)
if (!Number.isInteger(port) || port < 0) {
  console.error(`PORT must be a non-negative integer, got "${process.env.PORT}"`)
  process.exit(2)
}

// Bundled to dist/serve.js, next to the page in dist/site.
const siteDir = fileURLToPath(new URL('./site', import.meta.url))

startGalleryServer({ port, host: process.env.HOST ?? '127.0.0.1', siteDir }).then(
  (gallery) => {
    console.log(`Lifeline gallery: ${gallery.url}/  (mock server in demo mode on the same port; Ctrl+C stops)`)
    const shutdown = () => gallery.close().then(() => process.exit(0), () => process.exit(1))
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
  },
  (error: unknown) => {
    console.error('[gallery] failed to start:', error)
    process.exit(1)
  },
)
