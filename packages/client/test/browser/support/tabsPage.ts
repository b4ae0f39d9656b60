import { execFile } from 'node:child_process'
import { access, readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DEFAULT_JWT_SECRET, signToken } from '@lifeline/mock-server'
import { ensureClientBuilt } from './clientPage'

const CLIENT = fileURLToPath(new URL('../../../', import.meta.url))
const MITT = join(dirname(createRequire(join(CLIENT, 'package.json')).resolve('mitt')), 'mitt.mjs')

/** What the page loads, by path: the page, the built client and its tabs entry point, and mitt. */
const FILES: Record<string, { path: string; type: string }> = {
  '/tabs': { path: fileURLToPath(new URL('tabsPage.html', import.meta.url)), type: 'text/html' },
  '/assets/client.js': { path: join(CLIENT, 'dist', 'index.js'), type: 'text/javascript' },
  '/assets/tabs.js': { path: join(CLIENT, 'dist', 'tabs.js'), type: 'text/javascript' },
  '/assets/mitt.js': { path: MITT, type: 'text/javascript' },
  '/assets/testToken.js': { path: fileURLToPath(new URL('testToken.js', import.meta.url)), type: 'text/javascript' },
}

/**
 * Builds the client when its dist is older than its sources or has no tabs entry point yet, reads
 * what the tab-sharing page loads, and returns the mock server's `fallback` that serves it: `/tabs`
 * (tabsPage.html, which runs the built client with `tabSharing` from the built
 * `@lifeline/client/tabs`), its scripts and `/test/token?sub=…`. The files are served from memory,
 * so a rebuild of dist elsewhere while the tests run cannot pull them away from under a page.
 */
export async function tabsPageServer(): Promise<(request: IncomingMessage, response: ServerResponse) => Promise<void>> {
  await ensureClientBuilt()
  const tabs = FILES['/assets/tabs.js']!.path
  if (!(await access(tabs).then(() => true, () => false))) await promisify(execFile)('pnpm', ['--filter', '@lifeline/client...', 'run', 'build'], { cwd: CLIENT })
  const loaded = new Map(await Promise.all(Object.entries(FILES).map(async ([path, { path: file, type }]) => [path, { body: await readFile(file), type }] as const)))
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname === '/test/token') {
      const token = await signToken({ secret: DEFAULT_JWT_SECRET, sub: url.searchParams.get('sub') ?? 'browser' })
      return void response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token)
    }
    const file = loaded.get(url.pathname)
    if (!file) return void response.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${url.pathname} here`)
    response.writeHead(200, { 'content-type': `${file.type}; charset=utf-8`, 'cache-control': 'no-store' }).end(file.body)
  }
}
