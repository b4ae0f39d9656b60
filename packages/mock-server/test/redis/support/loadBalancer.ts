import { createServer, request, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

/** A reverse proxy in front of several replicas that picks a backend for every request. */
export interface LoadBalancer {
  readonly url: string
  /** Requests forwarded so far, as `<backend port> <method> <path>`. */
  readonly forwarded: string[]
  close(): Promise<void>
}

/**
 * Like nginx without sticky sessions: `pick` chooses the backend port per HTTP request and per
 * WebSocket upgrade, so a client's SSE stream and its upstream POSTs may land on different replicas.
 */
export async function startLoadBalancer(pick: (request: IncomingMessage) => number): Promise<LoadBalancer> {
  const forwarded: string[] = []
  const upgraded = new Set<Socket>()
  const target = (incoming: IncomingMessage) => {
    const port = pick(incoming)
    forwarded.push(`${port} ${incoming.method} ${new URL(incoming.url ?? '/', 'http://lb').pathname}`)
    return port
  }
  const proxy = createServer((incoming, outgoing) => {
    const upstream = request({ host: '127.0.0.1', port: target(incoming), method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502)
      outgoing.end()
    })
    // A client that goes away takes its upstream request (an SSE stream) with it.
    outgoing.on('close', () => upstream.destroy())
    incoming.pipe(upstream)
  })
  proxy.on('upgrade', (incoming: IncomingMessage, socket: Socket, head: Buffer) => {
    const backend = connect(target(incoming), '127.0.0.1', () => {
      const headers = []
      for (let index = 0; index < incoming.rawHeaders.length; index += 2) headers.push(`${incoming.rawHeaders[index]}: ${incoming.rawHeaders[index + 1]}`)
      backend.write(`${incoming.method} ${incoming.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`)
      backend.write(head)
      backend.pipe(socket).pipe(backend)
    })
    upgraded.add(socket)
    const cut = () => {
      upgraded.delete(socket)
      socket.destroy()
      backend.destroy()
    }
    backend.on('error', cut).on('close', cut)
    socket.on('error', cut).on('close', cut)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    forwarded,
    async close() {
      for (const socket of upgraded) socket.destroy()
      proxy.closeAllConnections()
      await new Promise((resolve) => proxy.close(resolve))
    },
  }
}
