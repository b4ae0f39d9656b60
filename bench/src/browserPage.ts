import type { IncomingMessage, ServerResponse } from 'node:http'
import { signToken } from '@lifeline/mock-server'
import { build } from 'esbuild'
import { BENCH_JWT_SECRET } from './benchServer'

/**
 * The benchmark page: the client (bundled from its sources for the browser) and `window.bench`,
 * which the browser suite drives. Clients keep no memory of blocked transports (`storage: null`),
 * so every run is a first visit; times are taken in the page (`performance.now()`), or as
 * `Date.now()` where the suite compares them with a moment it caused itself.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8" />
<title>Lifeline benchmark</title>
<script type="module">
  import * as lifeline from '/bench/client.js'

  const options = JSON.parse(new URLSearchParams(location.search).get('options') || '{}')
  /** share: one connection for the tabs of this browser (tab sharing). */
  const newClient = (share = false) =>
    new lifeline.RealtimeClient({
      url: location.origin,
      storage: null,
      ...options,
      ...(share ? { share: lifeline.tabSharing({ key: 'browser' }) } : {}),
      async getToken() {
        const response = await fetch('/bench/token')
        if (!response.ok) throw new Error('/bench/token answered ' + response.status)
        return response.text()
      },
    })

  window.bench = {
    /** connect() to the first message on a channel subscribed before it, with a fresh client. */
    firstMessage(channelName) {
      const client = newClient()
      const channel = client.channel(channelName)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          client.disconnect()
          reject(new Error('no message within 30 s; snapshot ' + JSON.stringify(client.getSnapshot())))
        }, 30000)
        let started = 0
        channel.on('hello', () => {
          const ms = performance.now() - started
          clearTimeout(timer)
          const transport = client.getSnapshot().transport
          client.disconnect()
          resolve({ ms, transport })
        })
        channel.subscribe()
        started = performance.now()
        client.connect()
      })
    },
    /** A client that stays: every status, transport, channel state and message, with Date.now() stamps. */
    start(channelName, share = false) {
      const client = newClient(share)
      const channel = client.channel(channelName)
      const events = []
      client.on('status', ({ status }) => events.push({ at: Date.now(), status }))
      client.on('transport', ({ transport }) => events.push({ at: Date.now(), transport }))
      channel.onState(({ status }) => events.push({ at: Date.now(), channel: status }))
      channel.on('hello', () => events.push({ at: Date.now(), message: true }))
      channel.subscribe()
      client.connect()
      window.session = { client, events }
    },
    stop() {
      window.session?.client.disconnect()
    },
  }
  window.benchReady = true
</script>
`

/**
 * The client as an app's bundler would ship it: ESM, for the browser, from the TypeScript sources,
 * with tab sharing (`@lifeline/client/tabs`).
 */
async function bundleClient(): Promise<string> {
  const result = await build({
    stdin: { contents: `export { RealtimeClient } from '@lifeline/client'\nexport { tabSharing } from '@lifeline/client/tabs'`, resolveDir: new URL('.', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    conditions: ['@lifeline/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

/**
 * The mock server's `fallback`: the page, the client bundle and `/bench/token`. Served by the
 * server itself, so behind nginx the page and the protocol share one origin, as in an app.
 */
export async function benchPageHandler(): Promise<(request: IncomingMessage, response: ServerResponse) => Promise<void>> {
  const client = await bundleClient()
  return async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    const send = (type: string, body: string) => void response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body)
    if (path === '/') return send('text/html', PAGE)
    if (path === '/bench/client.js') return send('text/javascript', client)
    if (path === '/bench/token') return send('text/plain', await signToken({ secret: BENCH_JWT_SECRET, sub: 'browser', expiresInSeconds: 3600 }))
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${path} here`)
  }
}
