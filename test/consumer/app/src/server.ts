// The mock server's entry points as a Node test setup imports them; ioredis is not installed.
import { createServer, DEFAULT_JWT_SECRET, signToken, type MockServer } from '@lifeline/mock-server'
import { ProtocolEngine } from '@lifeline/mock-server/engine'
import { createMswHandlers, type MswHandlers } from '@lifeline/mock-server/msw'

export async function start(): Promise<{ server: MockServer; token: string; handlers: MswHandlers; engine: typeof ProtocolEngine }> {
  const server = await createServer({ port: 0 })
  const token = await signToken({ secret: DEFAULT_JWT_SECRET, sub: 'ada' })
  const handlers = createMswHandlers({ url: 'http://realtime.test', transports: ['websocket'] })
  return { server, token, handlers, engine: ProtocolEngine }
}
