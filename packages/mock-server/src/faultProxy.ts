import { createHash } from 'node:crypto'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { bareHost, httpUrl } from './httpUrl'

/**
 * What the proxy does with WebSocket upgrades: pass them on, refuse them (`403`, like a corporate
 * proxy that blocks WebSocket), or accept them itself and then pass nothing either way.
 */
export type UpgradeMode = 'pass' | 'refuse' | 'silent'

/** Which connections `cut()` closes, by the first request they carried. */
export type ConnectionKind = 'websocket' | 'sse' | 'http'

export interface FaultProxyOptions {
  /** Where traffic goes: the server's `http://host:port`. */
  target: string
  /** @default '127.0.0.1' */
  host?: string
}

/** A TCP proxy in front of a Lifeline server that breaks the network the way production does. */
export interface FaultProxy {
  /** `http://host:port` of the proxy: give it to clients instead of the server's URL. */
  readonly url: string
  readonly port: number
  /**
   * Where new connections go, as `http://host:port`; change it to move traffic to another replica,
   * like a load balancer dropping a dead backend.
   */
  target: string
  /** Applies to upgrades that arrive from now on. @default 'pass' */
  upgrades: UpgradeMode
  /** Delay added to every chunk, both ways. @default 0 */
  latencyMs: number
  /** Bandwidth per connection and direction; `0` is unlimited. @default 0 */
  bytesPerSecond: number
  /**
   * Holds SSE response bytes until this many have piled up, then lets them through at once, like
   * a reverse proxy with response buffering on; `0` turns it off. @default 0
   */
  sseBufferBytes: number
  /** Open connections, by kind. */
  count(kind?: ConnectionKind): number
  /** Closes open connections at once (all, or one kind), as a dropped network or a restarting proxy. */
  cut(kind?: ConnectionKind): void
  /**
   * The open connections go dead without closing: nothing passes and neither side hears a close,
   * as after a laptop sleep or a lost NAT mapping. New connections work normally.
   */
  blackhole(): void
  close(): Promise<void>
}

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
/** With throttling on, stop reading from a sender once this much waits, so its buffers fill up. */
const HIGH_WATER_BYTES = 64 * 1024
/** Throttled bytes go out in slices this often. */
const SLICE_MS = 50

interface ProxiedConnection {
  kind: ConnectionKind
  client: Socket
  server: Socket | undefined
  dead: boolean
}

/**
 * Starts a fault proxy on a free loopback port. Switch faults at any time by assigning the fields.
 * @example
 * const proxy = await createFaultProxy({ target: server.url })
 * const client = new RealtimeClient({ url: proxy.url, ... })
 * proxy.upgrades = 'refuse'
 * proxy.cut('websocket') // the client falls back to SSE and recovers what it missed
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/reliability.md
 */
export async function createFaultProxy({ target, host = '127.0.0.1' }: FaultProxyOptions): Promise<FaultProxy> {
  const connections = new Set<ProxiedConnection>()
  // Every accepted socket, also those whose first bytes have not come yet, so close() can end them all.
  const sockets = new Set<Socket>()
  let closing = false

  const proxy = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    client.once('data', (head) => {
      if (closing) return void client.destroy()
      const request = head.toString('latin1')
      const connection: ProxiedConnection = { kind: kindOf(request), client, server: undefined, dead: false }
      connections.add(connection)
      client.on('close', () => {
        connections.delete(connection)
        connection.server?.destroy()
      })
      if (connection.kind === 'websocket' && faults.upgrades === 'refuse') {
        client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      if (connection.kind === 'websocket' && faults.upgrades === 'silent') {
        client.write(acceptUpgrade(request))
        connection.dead = true
        return
      }
      const upstream = new URL(faults.target)
      const server = (connection.server = connect(Number(upstream.port), bareHost(upstream.hostname)))
      server.on('error', () => client.destroy())
      forward(connection, client, server, false).push(head)
      forward(connection, server, client, true)
    })
  })

  /**
   * Moves bytes `from` → `to` through the current faults, and passes the end on once everything
   * queued went out. Returns the entry point for the chunk that was read before.
   */
  function forward(connection: ProxiedConnection, from: Socket, to: Socket, downstream: boolean): { push(bytes: Buffer): void } {
    const queue: { due: number; bytes: Buffer }[] = []
    let queued = 0
    let held: Buffer[] = []
    let pumping = false
    let ended = false

    const enqueue = (bytes: Buffer) => {
      queue.push({ due: Date.now() + faults.latencyMs, bytes })
      queued += bytes.length
      if (faults.bytesPerSecond > 0 && queued > HIGH_WATER_BYTES) from.pause()
      if (!pumping) void pump()
    }
    const release = () => {
      if (held.length) enqueue(Buffer.concat(held.splice(0)))
    }

    const push = (bytes: Buffer) => {
      if (connection.dead) return
      // A later request on a kept-alive connection can open an event stream.
      if (!downstream && connection.kind === 'http' && kindOf(bytes.toString('latin1', 0, 64)) === 'sse') connection.kind = 'sse'
      // Buffering switched off releases what it held before the new bytes.
      const buffering = downstream && connection.kind === 'sse' && faults.sseBufferBytes > 0
      held.push(bytes)
      if (!buffering || held.reduce((total, chunk) => total + chunk.length, 0) >= faults.sseBufferBytes) release()
    }

    const pump = async () => {
      pumping = true
      while (queue.length && !connection.dead && !to.destroyed) {
        const next = queue[0]!
        const wait = next.due - Date.now()
        if (wait > 0) await sleep(wait)
        const rate = faults.bytesPerSecond
        const slice = rate > 0 ? Math.max(1, Math.floor((rate * SLICE_MS) / 1000)) : next.bytes.length
        const bytes = next.bytes.subarray(0, slice)
        next.bytes = next.bytes.subarray(slice)
        if (!next.bytes.length) queue.shift()
        queued -= bytes.length
        if (!connection.dead) to.write(bytes)
        if (rate > 0) await sleep(SLICE_MS)
        if (queued <= HIGH_WATER_BYTES) from.resume()
      }
      pumping = false
      from.resume()
      if (ended && !connection.dead) to.end()
    }

    from.on('data', push)
    // A blackholed connection hears no end either; a buffering proxy lets go of what it held when the response ends.
    from.on('end', () => {
      ended = true
      if (connection.dead) return
      release()
      if (!pumping) to.end()
    })
    return { push }
  }

  const faults: FaultProxy = {
    target,
    upgrades: 'pass',
    latencyMs: 0,
    bytesPerSecond: 0,
    sseBufferBytes: 0,
    get url() {
      return httpUrl(host, (proxy.address() as AddressInfo).port)
    },
    get port() {
      return (proxy.address() as AddressInfo).port
    },
    count: (kind) => [...connections].filter((connection) => !kind || connection.kind === kind).length,
    cut(kind) {
      for (const connection of [...connections]) {
        if (kind && connection.kind !== kind) continue
        connection.client.destroy()
        connection.server?.destroy()
      }
    },
    blackhole() {
      for (const connection of connections) connection.dead = true
    },
    close() {
      // Clients still running reconnect at once; their sockets must not keep the proxy open.
      closing = true
      faults.cut()
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => proxy.close(() => resolve()))
    },
  }

  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject)
    proxy.listen(0, host, () => resolve())
  })
  return faults
}

function kindOf(request: string): ConnectionKind {
  if (/^upgrade:\s*websocket/im.test(request)) return 'websocket'
  return request.startsWith('GET /sse') ? 'sse' : 'http'
}

/** A valid `101` for the upgrade in `request` (RFC 6455 §4.2.2), so the client believes it is open. */
function acceptUpgrade(request: string): string {
  const key = /^sec-websocket-key:\s*(\S+)/im.exec(request)?.[1] ?? ''
  const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64')
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
