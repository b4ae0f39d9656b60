import type { ChannelHookOptions } from '../../src/index'
import { useChannel } from '../../src/index'

/** Renders `name: status` (and the error code when the channel failed), so tests read it off the page. */
export function ChannelStatus({ name, ...options }: { name: string } & ChannelHookOptions) {
  const { state } = useChannel(name, options)
  return (
    <p>
      {name}: {state.status}
      {state.error ? ` ${state.error.code}` : ''}
    </p>
  )
}
