import { RealtimeClient } from '@lifeline/client'
import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RealtimeProvider } from '../index'

/** A second evaluation of this package, as when a dependency bundles its own copy. */
async function secondCopy(): Promise<typeof import('../index')> {
  vi.resetModules()
  return import('../index')
}

/** A client that never gets anywhere: connecting to it just keeps retrying. */
function unreachableClient() {
  return new RealtimeClient({
    url: 'http://127.0.0.1:1',
    transports: ['websocket'],
    storage: null,
    lifecycleTarget: null,
    // A socket that never opens, and that the client can close when it gives up or disconnects.
    WebSocket: vi.fn(function () {
      return { close: () => {} }
    }) as unknown as typeof WebSocket,
    getToken: async () => 'ada',
  })
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

describe('two copies of the package', () => {
  it('share the context: hooks of one copy find the provider of the other', async () => {
    const copy = await secondCopy()
    expect(copy.RealtimeProvider).not.toBe(RealtimeProvider)
    function Status() {
      return <p>status: {copy.useConnectionState((state) => state.status)}</p>
    }
    render(
      <RealtimeProvider client={unreachableClient()} autoConnect={false}>
        <Status />
      </RealtimeProvider>,
    )
    expect(screen.getByText('status: idle')).toBeDefined()
  })

  it('count their providers together, so one copy unmounting does not disconnect the other', async () => {
    const copy = await secondCopy()
    const client = unreachableClient()
    const app = (first: boolean, second: boolean) => (
      <>
        {first && <RealtimeProvider client={client} />}
        {second && <copy.RealtimeProvider client={client} />}
      </>
    )
    const { rerender } = render(app(true, true))
    expect(client.getSnapshot().status).not.toBe('idle')

    rerender(app(false, true))
    await act(() => vi.advanceTimersByTimeAsync(2000))
    expect(client.getSnapshot().status).not.toBe('disconnected')

    rerender(app(false, false))
    await act(() => vi.advanceTimersByTimeAsync(2000))
    expect(client.getSnapshot().status).toBe('disconnected')
  })
})
