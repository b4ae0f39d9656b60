import { randomBytes } from 'node:crypto'
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { ROUTES } from '@lifeline/protocol'
import type { CaseContext } from '../caseContext'
import type { ConformanceCase } from '../conformanceCase'
import { CaseFailure } from '../failure'
import { stillServes } from '../steps'

/** An upgrade request as a browser sends it, to `path`, with `headers` on top. */
function upgradeRequest(url: URL, path: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

/**
 * Sends `text` on a new socket to the server, waits for its first answer (or its close, or
 * `waitMs`) when `waitForAnswer`, then resets the socket: a TCP RST, as a closed tab or a lost
 * network leaves it, not a polite close.
 */
async function sendAndReset(url: URL, text: string, waitForAnswer: boolean, waitMs: number): Promise<void> {
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
  const socket: Socket = url.protocol === 'https:' ? connectTls({ host: url.hostname, port, servername: url.hostname }) : connectTcp(port, url.hostname)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, waitMs)
    const done = () => (clearTimeout(timer), resolve())
    socket.once('error', (error) => (clearTimeout(timer), reject(new CaseFailure(`could not reach the server to send it a socket to reset: ${error.message}`))))
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      socket.write(text)
      if (!waitForAnswer) return done()
      socket.once('data', done)
      socket.once('end', done)
    })
  })
  socket.resetAndDestroy()
}

export const abandonedSockets: ConformanceCase = {
  name: 'abandoned-sockets',
  level: 'core',
  title: 'sockets their clients reset (mid-request, after a refused or an accepted WebSocket upgrade) do not take the server down',
  async run(ctx: CaseContext) {
    const url = new URL(ctx.url)
    const base = url.pathname.replace(/\/$/, '')
    const waitMs = ctx.config.timeouts.replyMs
    const abandoned: [text: string, waitForAnswer: boolean][] = [
      // Half a request line.
      [`GET ${base}${ROUTES.webSocket.path} HT`, false],
      // An upgrade on a path the server does not have: refused, then reset.
      [upgradeRequest(url, `${base}/no-such-path`), true],
      // An upgrade the server accepts: reset before any frame.
      [upgradeRequest(url, `${base}${ROUTES.webSocket.path}`), true],
    ]
    // An upgrade from an origin outside the allowlist: refused, then reset.
    if (ctx.config.refusedOrigin) abandoned.push([upgradeRequest(url, `${base}${ROUTES.webSocket.path}`, { Origin: ctx.config.refusedOrigin }), true])
    for (let round = 0; round < 3; round++) for (const [text, waitForAnswer] of abandoned) await sendAndReset(url, text, waitForAnswer, waitMs)
    await stillServes(await ctx.connect('a'), 'sockets reset by their clients')
  },
}
