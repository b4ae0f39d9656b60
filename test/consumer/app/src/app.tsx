// A consumer's app: every public entry point, as an app would import it, typechecked with the
// published .d.ts files (skipLibCheck off) under moduleResolution bundler and node16.
import { RealtimeClient, RealtimeError, UnauthorizedError, type ConnectionSnapshot, type RealtimeClientOptions } from '@lifeline/client'
import { RealtimeProvider, useChannel, useChannelEvent, useConnectionState, useLatestMessage, usePublish, useRealtimeClient } from '@lifeline/react'
import { useState } from 'react'

declare module '@lifeline/react' {
  interface Register {
    channels: {
      leaderboard: { score: { user: string; points: number } }
      [name: `board:${string}`]: { card_moved: { card: string; to: 'todo' | 'doing' | 'done' } }
    }
  }
}

const options: RealtimeClientOptions = {
  url: '/realtime',
  async getToken() {
    const response = await fetch('/api/realtime-token', { method: 'POST' })
    if (response.status === 401) throw new UnauthorizedError('signed out')
    return response.text()
  },
}
export const client = new RealtimeClient(options)

function Status() {
  const status = useConnectionState((snapshot: ConnectionSnapshot) => snapshot.status)
  const same = useRealtimeClient() === client
  return <p>{`${status} ${same}`}</p>
}

function Board({ id }: { id: string }) {
  const { state } = useChannel(`board:${id}`)
  const [moves, setMoves] = useState<string[]>([])
  useChannelEvent(`board:${id}`, 'card_moved', (move) => setMoves((list) => [...list, `${move.card}→${move.to}`]))
  const publish = usePublish(`board:${id}`)
  const top = useLatestMessage('leaderboard', 'score', { initial: { user: 'nobody', points: 0 } })
  const move = () =>
    publish('card_moved', { card: 'c1', to: 'done' }).catch((error: unknown) => {
      if (error instanceof RealtimeError) console.warn(error.code)
    })
  return (
    <section>
      <p>{`${state.status} ${moves.join(', ')} ${top.user} ${top.points}`}</p>
      <button onClick={move}>Move</button>
    </section>
  )
}

export function App() {
  return (
    <RealtimeProvider client={client}>
      <Status />
      <Board id="7" />
    </RealtimeProvider>
  )
}
