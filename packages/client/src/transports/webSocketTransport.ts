import { parseServerFrame } from '@lifeline/protocol'
import { noop } from '../timers'
import { ABNORMAL_CLOSURE, type Transport, type TransportFactory } from './transport'

/**
 * WebSocket on `<url>/ws`. The token travels in the first frame, never in the URL. The socket
 * counts as working only when the connect reply arrives (the owner decides that), not on `open`:
 * a proxy may complete the upgrade and then pass nothing.
 */
export const webSocketTransport: TransportFactory = (context) => {
  const socket = new context.WebSocket!(`${context.url.replace(/^http/, 'ws')}/ws`)
  const transport: Transport = {
    send: (frame) => socket.send(JSON.stringify(frame)),
    close() {
      socket.onclose = socket.onmessage = socket.onopen = null
      socket.close(1000)
    },
    // No answer to the upgrade in time: it did not go through.
    stalled: 'UPGRADE_REFUSED',
  }
  socket.onopen = () => {
    // The upgrade went through: if no connect reply follows in time, the link passes nothing.
    transport.stalled = 'WEBSOCKET_SILENT'
    socket.send(JSON.stringify(context.connect))
  }
  socket.onmessage = (event) => context.receive(parseServerFrame(event.data))
  socket.onclose = (event) => context.closed(event.code || ABNORMAL_CLOSURE, event.reason)
  // `ws` in Node throws on an 'error' event nobody listens to; close always follows an error.
  socket.onerror = noop
  return transport
}
