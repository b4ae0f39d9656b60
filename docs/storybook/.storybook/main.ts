// Storybook for the gallery's stories (docs/gallery/src/stories/*.stories.tsx), unchanged: the same
// CSF files the zero-config gallery (`pnpm start`) renders. Every story's `withRealtime` decorator
// connects to the page's own origin, so the dev server proxies the protocol (/ws, /sse, /poll) and
// the demo controls (/demo) to a demo mock server it starts; a static build is served by that
// server itself (`startGalleryServer({ siteDir: 'storybook-static' })`, as the Chromium test does).
import type { StorybookConfig } from '@storybook/react-vite'
import type { InlineConfig } from 'vite'
import { browserConditions } from '../../../conditions.mjs'

/** Paths the mock server answers; everything else is Storybook's. */
const PROTOCOL_PATHS = ['/ws', '/sse', '/poll', '/publish', '/demo']

const config: StorybookConfig = {
  stories: ['../../gallery/src/**/*.stories.tsx'],
  framework: { name: '@storybook/react-vite', options: { strictMode: true } },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  typescript: { reactDocgen: false },
  async viteFinal(vite: InlineConfig, { configType }) {
    // Build from the packages' sources, as the tests and the gallery do: no package build needed.
    vite.resolve = { ...vite.resolve, conditions: browserConditions, dedupe: ['react', 'react-dom'] }
    // Storybook's own manager and preview runtime is one large chunk; that is expected, not a warning.
    vite.build = { ...vite.build, chunkSizeWarningLimit: 2048 }
    if (configType !== 'DEVELOPMENT') return vite
    const { startDemoServer } = await import('./demoServer')
    const server = await startDemoServer()
    vite.server = {
      ...vite.server,
      proxy: Object.fromEntries(PROTOCOL_PATHS.map((path) => [path, { target: server.url, ws: path === '/ws', changeOrigin: false }])),
    }
    return vite
  },
}
export default config
