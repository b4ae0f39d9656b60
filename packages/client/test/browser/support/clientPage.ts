import { execFile } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server'

const clientDir = fileURLToPath(new URL('../../../', import.meta.url))
const BUNDLE = join(clientDir, 'dist', 'index.js')
/** What the bundle is built from (the protocol package is inlined into it). */
const SOURCES = [join(clientDir, 'src'), join(clientDir, '..', 'protocol', 'src')]

async function newestChange(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

/**
 * Builds the client, and the protocol package it inlines, when dist/index.js is missing or older
 * than their sources: the browser tests load what the package publishes, not the TypeScript.
 */
export async function ensureClientBuilt(): Promise<void> {
  const built = await stat(BUNDLE).then(
    (info) => info.mtimeMs,
    () => 0,
  )
  const sources = Math.max(...(await Promise.all(SOURCES.map(newestChange))))
  if (built > sources) return
  await promisify(execFile)('pnpm', ['--filter', '@lifeline/client...', 'run', 'build'], { cwd: clientDir })
}

/** mitt's ES module build, which the page's import map points the bundle's `import mitt from 'mitt'` at. */
const MITT = join(dirname(createRequire(join(clientDir, 'package.json')).resolve('mitt')), 'mitt.mjs')

const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: fileURLToPath(new URL('page.html', import.meta.url)), type: 'text/html; charset=utf-8' },
  '/assets/client.js': { path: BUNDLE, type: 'text/javascript; charset=utf-8' },
  '/assets/mitt.js': { path: MITT, type: 'text/javascript; charset=utf-8' },
  '/assets/testToken.js': { path: fileURLToPath(new URL('testToken.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
}

/**
 * The mock server's `fallback`: the test page (page.html) that runs the built client against the
 * origin it was loaded from, its scripts, and `/test/token?sub=…` for its tokens. Served by the
 * server itself, so behind a proxy the page and the protocol share one origin, as in an app.
 */
export async function serveClientPage(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  if (url.pathname === '/test/token') {
    const token = await signToken({ secret: DEFAULT_JWT_SECRET, sub: url.searchParams.get('sub') ?? 'browser' })
    response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token)
    return
  }
  const file = FILES[url.pathname]
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${url.pathname} here`)
    return
  }
  response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(await readFile(file.path))
}
