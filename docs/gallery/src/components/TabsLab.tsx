import type { RealtimeError } from '@lifeline/client'
import { useChannelEvent, useConnectionState, usePublish, useRealtimeClient } from '@lifeline/react'
import { useEffect, useState } from 'react'
import { LabCard } from './LabCard'
import { Readout } from './Readout'
import { TickCountReadouts } from './TickCountReadouts'
import { useTickCounter } from './useTickCounter'

export interface TabsLabProps {
  user: string
  /**
   * The channel with a steady `tick` stream (4 a second from the gallery server).
   * @default 'demo:ticker'
   */
  ticker?: `demo:${string}`
  /**
   * Where the tabs post their notes, so each tab sees every tab's.
   * @default 'comments:tabs-lab'
   */
  notes?: `comments:${string}`
}

interface Note {
  id: string
  text: string
  /** Who the server says published it. */
  by: string | null
}

/** How many connections the server holds for `user` (`/demo/connections`), asked every second. */
function useServerConnections(user: string): number | undefined {
  const [connections, setConnections] = useState<number>()
  useEffect(() => {
    let live = true
    const ask = () =>
      fetch(`/demo/connections?sub=${encodeURIComponent(user)}`)
        .then((response) => response.json() as Promise<{ connections: number }>)
        .then((answer) => live && setConnections(answer.connections), () => undefined)
    void ask()
    const timer = setInterval(ask, 1000)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [user])
  return connections
}

/**
 * Open this story in several tabs: one tab leads and holds the connection, the others follow
 * through it (`share: tabSharing({ key: user })`), and the server keeps one connection for the user
 * however many tabs are open. Close the leading tab, or make it leave, and another takes over while
 * the tick counter of every tab goes on without a gap or a repeat.
 */
export function TabsLab({ user, ticker = 'demo:ticker', notes = 'comments:tabs-lab' }: TabsLabProps) {
  const client = useRealtimeClient()
  const { status, transport, role } = useConnectionState()
  const count = useTickCounter(ticker)
  const connections = useServerConnections(user)
  const publish = usePublish(notes)
  const [posted, setPosted] = useState<string>()
  const [received, setReceived] = useState<Note[]>([])
  useChannelEvent(notes, 'comment', ({ id, text }, { publisher }) => setReceived((list) => [{ id, text, by: publisher }, ...list].slice(0, 8)))

  const post = () => {
    const text = `Hello from a ${role ?? 'lone'} tab at ${new Date().toLocaleTimeString([], { hour12: false })}`
    publish('comment', { id: `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, text }).then(
      ({ position }) => setPosted(`acknowledged at offset ${position.offset}`),
      (error: RealtimeError) => setPosted(`refused: ${error.code}`),
    )
  }
  // Leaves the share and joins again: a leader hands over to the next tab in line.
  const rejoin = () => {
    client.disconnect()
    client.connect()
  }

  return (
    <LabCard
      title="Tabs lab"
      className="tabs-lab"
      readouts={
        <>
          <Readout label="This tab">
            <span data-testid="tab-role">{role ?? 'alone'}</span>
          </Readout>
          <Readout label="Connection">
            <span data-testid="tab-connection">{transport ?? status}</span>
          </Readout>
          <Readout label={`Server connections for ${user}`}>
            <span data-testid="server-connections">{connections ?? '—'}</span>
          </Readout>
          <TickCountReadouts count={count} label="Ticks received" />
        </>
      }
    >
      <div className="actions">
        <button type="button" data-testid="open-tab" onClick={() => window.open(location.href, '_blank')}>
          Open another tab
        </button>
        <button type="button" data-testid="post-note" onClick={post}>
          Post a note from this tab
        </button>
        <button type="button" data-testid="rejoin" onClick={rejoin}>
          Leave and rejoin
        </button>
      </div>
      <p className="muted" data-testid="posted">
        {posted ?? 'A note goes through the leader and is acknowledged here; every tab shows it once.'}
      </p>
      <p className="muted">
        Tabs of {user} share one connection: the tab holding the Web Lock leads, the others reach it over a BroadcastChannel. Close the
        leader (or make it leave and rejoin) and the next tab in line connects within a second; each tab resubscribes from its own
        position, so the tick counter never skips or repeats. Tabs of another user (change the user arg) get a connection of their own.
      </p>
      <h3>Notes from every tab</h3>
      <ol className="notes" data-testid="notes">
        {received.map((note) => (
          <li key={note.id}>
            {note.text} <span className="pill">{note.by ?? 'server'}</span>
          </li>
        ))}
      </ol>
    </LabCard>
  )
}
