import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
}

/** Serves the built gallery from `root` (GET and HEAD only); `/` is `index.html`. */
export function staticFiles(root: string): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname))
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !file.startsWith(root + sep)) return notFound(response)
    let body: Buffer
    try {
      body = await readFile(file)
    } catch {
      return notFound(response)
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' })
    response.end(request.method === 'HEAD' ? undefined : body)
  }
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' })
  response.end('Not found. Did you build the gallery (`pnpm --filter @lifeline/gallery run build`)?')
}
