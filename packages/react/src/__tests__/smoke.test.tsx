import { RealtimeClient } from '@lifeline/client'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { RealtimeProvider, useConnectionState } from '../index'

function Status() {
  return <span>{useConnectionState((state) => state.status)}</span>
}

describe('server rendering', () => {
  it('renders the idle state and connects nothing', () => {
    const client = new RealtimeClient({ url: 'http://127.0.0.1:1', transports: ['sse'], EventSource: class {} as never, fetch: () => Promise.reject(new Error('no network in this test')) })
    const html = renderToString(
      <RealtimeProvider client={client}>
        <Status />
      </RealtimeProvider>,
    )
    expect(html).toBe('<span>idle</span>')
    expect(client.getSnapshot().status).toBe('idle')
  })
})
