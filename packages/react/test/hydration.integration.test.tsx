import type { RealtimeClient } from '@lifeline/client'
import { act, screen, waitFor } from '@testing-library/react'
import { hydrateRoot, type Root } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RealtimeProvider, useChannel, useConnectionState, useLatestMessage } from '../src/index'
import { useHarness, WAIT } from './support/harness'

const harness = useHarness()
let root: Root | undefined
// After hooks run last-registered first: the hydrated root goes before the harness' cleanup.
afterEach(() => {
  act(() => root?.unmount())
})

function Page() {
  const status = useConnectionState((state) => state.status)
  const { state } = useChannel('demo:page')
  const latest = useLatestMessage('demo:page', 'headline', { initial: 'no news' })
  return <p>{`${status} / ${state.status} / ${String(latest)}`}</p>
}

describe('hydration', () => {
  it('hydrates the idle server HTML without a mismatch, then goes live', async () => {
    const app = (client: RealtimeClient) => (
      <RealtimeProvider client={client}>
        <Page />
      </RealtimeProvider>
    )
    // The server renders with its own copy of the module-scope client, which never connects there.
    const container = document.body.appendChild(document.createElement('div'))
    container.innerHTML = renderToString(app(harness.client()))
    expect(container.textContent).toBe('idle / idle / no news')
    // The browser's client may be connected already when React hydrates (a module-scope client).
    const client = harness.client()
    client.connect()
    await client.ready(15_000)

    const onRecoverableError = vi.fn()
    act(() => {
      root = hydrateRoot(container, app(client), { onRecoverableError })
    })
    await waitFor(() => expect(screen.getByText('connected / subscribed / no news')).toBeDefined(), WAIT)
    await harness.server.publish('demo:page', 'headline', 'lifeline ships')
    await waitFor(() => expect(screen.getByText('connected / subscribed / lifeline ships')).toBeDefined(), WAIT)

    expect(onRecoverableError).not.toHaveBeenCalled()
  }, 30_000)
})
