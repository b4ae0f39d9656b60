import type { RealtimeError } from '@lifeline/client'
import { useChannel, useChannelEvent, usePublish } from '@lifeline/react'
import { useState } from 'react'
import type { CardMove } from '../channels'
import { WhoIsOnline } from './WhoIsOnline'

export interface KanbanBoardProps {
  /** The viewer: the token's `sub`, which the server stamps on your moves. */
  user: string
  /**
   * The board id: its moves travel on `board:{id}`.
   * @default 'demo'
   */
  board?: string
}

const COLUMNS = ['todo', 'doing', 'review', 'done'] as const
const CARDS = ['card-1', 'card-2', 'card-3', 'card-4', 'card-5', 'card-6']
const TITLES: Record<string, string> = {
  'card-1': 'Reconnect with jitter',
  'card-2': 'SSE fallback',
  'card-3': 'Token refresh',
  'card-4': 'Recover missed messages',
  'card-5': 'Leaderboard animation',
  'card-6': 'Write the nginx guide',
}

interface Placement {
  column: string
  /** Who moved it last, as the server says (`null`: the server itself). */
  by: string | null | undefined
}

type Move = CardMove & { by: string | null }

/**
 * A shared board: cards moved by anyone appear in place for everyone. Your own moves are
 * published and applied when the server echoes them, in the same order every viewer sees.
 */
export function KanbanBoard({ user, board = 'demo' }: KanbanBoardProps) {
  const channelName = `board:${board}` as const
  const { state } = useChannel(channelName)
  const publish = usePublish(channelName)
  const [cards, setCards] = useState<Record<string, Placement>>(() => Object.fromEntries(CARDS.map((card) => [card, { column: 'todo', by: undefined }])))
  const [activity, setActivity] = useState<Move[]>([])
  const [failed, setFailed] = useState<string>()
  // sample: publish
  // Who moved it is the server's stamp, not a field any publisher could fill in.
  useChannelEvent(channelName, 'card_moved', (move, { publisher }) => {
    setCards((current) => ({ ...current, [move.card]: { column: move.to, by: publisher } }))
    setActivity((list) => [{ ...move, by: publisher }, ...list].slice(0, 6))
  })
  const move = (card: string, step: -1 | 1) => {
    const index = COLUMNS.indexOf(cards[card]!.column as (typeof COLUMNS)[number])
    const to = COLUMNS[index + step]
    if (to) publish('card_moved', { card, to }).then(() => setFailed(undefined), (error: RealtimeError) => setFailed(error.code))
  }
  // end sample

  return (
    <section className="card kanban">
      <h2>Board {board}</h2>
      <p className="muted">
        You are <b>{user}</b> · channel <code>{channelName}</code> · <span data-testid="channel-status">{state.status}</span>
        {failed && <span className="error"> · move refused: {failed}</span>}
      </p>
      <WhoIsOnline channel={channelName} user={user} />
      <div className="columns">
        {COLUMNS.map((column) => (
          <div key={column} className="column" data-testid={`column-${column}`}>
            <h3>{column}</h3>
            {CARDS.filter((card) => cards[card]!.column === column).map((card) => (
              <article key={card} className="kanban-card" data-testid={card} data-by={cards[card]!.by ?? ''}>
                <span>{TITLES[card]}</span>
                <small>{cards[card]!.by === undefined ? card : `moved by ${nameOf(cards[card]!.by, user)}`}</small>
                <div className="card-actions">
                  <button type="button" aria-label={`move ${card} left`} disabled={column === COLUMNS[0]} onClick={() => move(card, -1)}>
                    ◀
                  </button>
                  <button type="button" aria-label={`move ${card} right`} disabled={column === COLUMNS.at(-1)} onClick={() => move(card, 1)}>
                    ▶
                  </button>
                </div>
              </article>
            ))}
          </div>
        ))}
      </div>
      <h3>Activity</h3>
      <ul className="activity" data-testid="activity">
        {activity.map((entry, index) => (
          <li key={activity.length - index}>
            {entry.by === user ? 'You' : nameOf(entry.by, user)} moved {TITLES[entry.card] ?? entry.card} to {entry.to}
          </li>
        ))}
      </ul>
    </section>
  )
}

/** How a publisher reads on the board: `you`, a user, or the server (`null`). */
const nameOf = (publisher: string | null | undefined, user: string) => (publisher === user ? 'you' : (publisher ?? 'the server'))
