import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

/** A TCP load balancer on a free loopback port: each new connection goes to the next target. */
export interface RoundRobin {
  readonly url: string
  /** Targets as `http://host:port`; change them at any time (new connections only). */
  targets: string[]
  close(): Promise<void>
}

/**
 * Like a load balancer without sticky sessions: a client's WebSocket, its SSE stream and each of its
 * POSTs (on their own connections) may reach different replicas. A target that refuses (a replica
 * that is down) costs the client that connection, as behind a real balancer without health checks.
 */
export async function startRoundRobin(targets: string[]): Promise<RoundRobin> {
  const sockets = new Set<Socket>()
  let turn = 0
  const balancer: RoundRobin = {
    url: '',
    targets,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  const server = createServer((incoming) => {
    const target = new URL(balancer.targets[turn++ % balancer.targets.length]!)
    const outgoing = connect(Number(target.port), target.hostname)
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        incoming.destroy()
        outgoing.destroy()
      })
    }
    incoming.on('close', () => outgoing.destroy())
    outgoing.on('close', () => incoming.destroy())
    incoming.pipe(outgoing).pipe(incoming)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(balancer, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
}
