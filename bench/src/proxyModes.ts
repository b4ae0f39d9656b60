import type { Faults, TransportName } from '@lifeline/mock-server'

/** A way nginx (and the server behind it) can stand between a browser and Lifeline. */
export interface ProxyMode {
  name: string
  /** What nginx serves: the docs' locations, or a variant of them. */
  locations(docs: string): string
  /** Faults of the server behind nginx. */
  faults?: Partial<Faults>
  /** The transport the client must end on. */
  endsOn: TransportName
}

/** Replaces the docs' `location <path>` block, or throws when the docs no longer have it. */
function replaceLocation(locations: string, path: string, block: string): string {
  const pattern = new RegExp(`location ${path.replace(/[/]/g, '\\/')} \\{[^}]*\\}`)
  if (!pattern.test(locations)) throw new Error(`docs/nginx/lifeline-locations.conf has no "location ${path}" block any more`)
  return locations.replace(pattern, block)
}

/**
 * The WebSocket location without the lines that pass the upgrade on: nginx forwards a plain GET
 * (HTTP/1.0, no `Upgrade`), the server answers it like any non-upgrade request, and the browser's
 * handshake fails. The most common way a proxy breaks WebSocket.
 */
const withoutUpgrade = (locations: string) => replaceLocation(locations, '= /ws', 'location = /ws {\n    proxy_pass http://lifeline;\n}')

/**
 * The SSE location as a proxy that buffers responses: buffering on, the server's
 * `X-Accel-Buffering: no` ignored, and gzip on event streams, which holds small events until the
 * stream ends. Complete responses (the ticket, upstream POSTs, long polls) still pass.
 */
const bufferedSse = (locations: string) =>
  replaceLocation(
    locations,
    '/sse',
    `location /sse {
    proxy_pass http://lifeline;
    proxy_http_version 1.1;
    proxy_set_header Connection '';
    proxy_buffering on;
    proxy_ignore_headers X-Accel-Buffering;
    gzip on;
}`,
  )

export const PROXY_MODES: ProxyMode[] = [
  { name: 'good (the docs\' configuration)', locations: (docs) => docs, endsOn: 'websocket' },
  { name: 'no upgrade (`/ws` without the Upgrade headers)', locations: withoutUpgrade, endsOn: 'sse' },
  { name: 'no upgrade, SSE buffered (buffering on, gzip on event streams)', locations: (docs) => bufferedSse(withoutUpgrade(docs)), endsOn: 'long-polling' },
  { name: 'silent upgrade (passed, then nothing comes back)', locations: (docs) => docs, faults: { silenceWebSocket: true }, endsOn: 'sse' },
]
