import { RealtimeProvider } from '@lifeline/react'
import { useMemo, type ComponentType } from 'react'
import type { Decorator } from '../csf'
import { ConnectionInspector } from '../inspector/ConnectionInspector'
import { createDemoSession, type SessionArgs, type SessionOptions } from './demoSession'
import { DemoSessionContext } from './demoSessionContext'

/**
 * CSF decorator: gives the story a client of its own for the user in its args (`user`, `roles`,
 * `tokenTtlSeconds`), tuned by `parameters.realtime`, and shows the connection inspector beside it
 * unless `parameters.inspector` is `false`.
 * @example
 * export default { title: 'Demos/Leaderboard', component: Leaderboard, decorators: [withRealtime] }
 */
export const withRealtime: Decorator<SessionArgs> = (Story, { args, parameters }) => (
  <RealtimeSession args={args} options={(parameters.realtime ?? {}) as SessionOptions} inspector={parameters.inspector !== false} Story={Story} />
)

interface RealtimeSessionProps {
  args: SessionArgs
  options: SessionOptions
  inspector: boolean
  Story: ComponentType
}

function RealtimeSession({ args, options, inspector, Story }: RealtimeSessionProps) {
  const { user, roles, tokenTtlSeconds } = args
  const key = JSON.stringify([user, roles, tokenTtlSeconds, options])
  // One client per viewer identity; a change of user or options makes a new one.
  // sample: provider
  const session = useMemo(() => createDemoSession({ user, roles, tokenTtlSeconds }, options), [key])
  return (
    <RealtimeProvider client={session.client}>
      <DemoSessionContext.Provider value={session}>
        <div className="with-inspector">
          <div className="story-canvas">
            <Story />
          </div>
          {inspector && <ConnectionInspector />}
        </div>
      </DemoSessionContext.Provider>
    </RealtimeProvider>
  )
  // end sample
}
