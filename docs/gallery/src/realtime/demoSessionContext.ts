import { createContext, useContext } from 'react'
import type { DemoSession } from './demoSession'

export const DemoSessionContext = createContext<DemoSession | null>(null)

/** The story's demo session; stories render under the `withRealtime` decorator, which provides it. */
export function useDemoSession(): DemoSession {
  const session = useContext(DemoSessionContext)
  if (!session) throw new Error('[gallery] No demo session: add `decorators: [withRealtime]` to the story.')
  return session
}
