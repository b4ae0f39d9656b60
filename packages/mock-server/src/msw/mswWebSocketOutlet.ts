import type { WebSocketHandlerConnection } from 'msw'
import type { Outlet } from '../engine/index'

/** The server's end of one intercepted WebSocket, as msw's `ws.link()` hands it over. */
export type MswWebSocketClient = WebSocketHandlerConnection['client']

/**
 * Adapts an msw WebSocket connection to the engine. There is no network under it, so nothing is
 * ever buffered and liveness needs no transport-level ping (the engine's `ping` frames still flow).
 */
export function mswWebSocketOutlet(client: MswWebSocketClient): Outlet {
  return {
    transport: 'websocket',
    send: (text) => client.send(text),
    bufferedBytes: () => 0,
    close(code, reason) {
      // @note msw delivers `send()` on a microtask and drops it once the socket is closing, so a
      // close right behind a send would swallow the `disconnect` frame (and its `retryAfterMs`).
      // Closing on a later microtask lets every frame sent before it arrive first, as with `ws`.
      queueMicrotask(() => client.close(code, reason))
    },
  }
}
