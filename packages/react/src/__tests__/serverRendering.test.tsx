// @vitest-environment node
// Rendered where a server renders: Node, no `window`, no DOM.
import { RealtimeClient } from '@lifeline/client'
import { renderToString } from 'react-dom/server'
import { describe, expect, it, vi } from 'vitest'
import { RealtimeProvider, useChannel, useChannelEvent, useConnectionState, useLatestMessage, usePresence, usePublish } from '../index'

/** A client whose every way out is a spy: any connection attempt would show up on one of them. */
function recordingClient() {
  const network = {
    WebSocket: vi.fn(),
    EventSource: vi.fn(),
    fetch: vi.fn(() => Promise.reject(new Error('no network on the server'))),
    getToken: vi.fn(async () => 'ada'),
  }
  const client = new RealtimeClient({
    url: 'http://127.0.0.1:1',
    storage: null,
    ...network,
    WebSocket: network.WebSocket as unknown as typeof globalThis.WebSocket,
    EventSource: network.EventSource as unknown as typeof globalThis.EventSource,
  })
  return { client, network }
}

function Page() {
  const status = useConnectionState((state) => state.status)
  const { state } = useChannel('board:1')
  const latest = useLatestMessage('board:1', 'moved', { initial: 'no moves yet', rewind: 1 })
  const online = usePresence('board:1', { data: { name: 'Ada' } })
  useChannelEvent('board:1', 'moved', () => {
    throw new Error('no message can arrive during a server render')
  })
  usePublish('board:1')
  return <p>{`${status} / ${state.status} / ${String(latest)} / ${online.length} online`}</p>
}

describe('server rendering', () => {
  it('renders the idle state and makes no connection attempt at all', async () => {
    const { client, network } = recordingClient()
    const html = renderToString(
      <RealtimeProvider client={client}>
        <Page />
      </RealtimeProvider>,
    )
    // Anything started during the render would have got past its first await by now.
    await new Promise((resolve) => setImmediate(resolve))

    expect(html).toBe('<p>idle / idle / no moves yet / 0 online</p>')
    expect(client.getSnapshot().status).toBe('idle')
    expect(client.channel('board:1').state.status).toBe('idle')
    expect(network.getToken).not.toHaveBeenCalled()
    expect(network.WebSocket).not.toHaveBeenCalled()
    expect(network.EventSource).not.toHaveBeenCalled()
    expect(network.fetch).not.toHaveBeenCalled()
  })

  it('renders the idle state even with a client that is already connecting', () => {
    // A module-scope client shared by the server's renders: the server snapshot is idle regardless.
    const { client } = recordingClient()
    client.connect()
    const html = renderToString(
      <RealtimeProvider client={client}>
        <Page />
      </RealtimeProvider>,
    )
    client.disconnect()
    expect(html).toBe('<p>idle / idle / no moves yet / 0 online</p>')
  })
})
