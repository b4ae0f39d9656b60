import { useChannel, useChannelEvent, usePublish } from '@lifeline/react'
import { useEffect, useState } from 'react'
import type { Notification } from '../channels'

export interface NotificationCentreProps {
  /** Whose notifications: the `user:{sub}` channel only its owner may join. */
  user: string
  /**
   * How many notifications to keep.
   * @default 20
   */
  limit?: number
}

interface Item extends Notification {
  read: boolean
  /** Who sent it, as the server stamped it: a user's `sub`, or `null` for the server (your backend). */
  from: string | null
}

/**
 * A bell with an unread count over the user's own channel. "Mark read" publishes a `read` event on
 * the same channel, so every tab of this user clears it when the server echoes it back.
 */
export function NotificationCentre({ user, limit = 20 }: NotificationCentreProps) {
  // sample: hooks
  const channelName = `user:${user}` as const
  const { channel, state } = useChannel(channelName)
  const publish = usePublish(channelName)
  const [items, setItems] = useState<Item[]>([])
  const [missedSome, setMissedSome] = useState(false)
  // `from` is the server's stamp: who published, which no payload can fake.
  useChannelEvent(channelName, 'notification', (note, { publisher }) =>
    setItems((list) => [{ ...note, read: false, from: publisher }, ...list.filter((item) => item.id !== note.id)].slice(0, limit)),
  )
  useChannelEvent(channelName, 'read', ({ id }) => setItems((list) => list.map((item) => (item.id === id ? { ...item, read: true } : item))))
  // Away longer than the server's history covers: what was missed must come from your API.
  useEffect(() => channel.onGap(() => setMissedSome(true)), [channel])
  // end sample
  const unread = items.filter((item) => !item.read)

  return (
    <section className="card notification-centre">
      <header className="card-header">
        <h2>
          Notifications <span className="badge" data-testid="unread-count" aria-label="unread">{unread.length}</span>
        </h2>
        <button type="button" disabled={unread.length === 0} onClick={() => unread.forEach((item) => void publish('read', { id: item.id }))}>
          Mark all read
        </button>
      </header>
      <p className="muted">
        Signed in as <b>{user}</b> · channel <code>{channelName}</code> · <span data-testid="channel-status">{state.status}</span>
      </p>
      {missedSome && (
        <p className="warning" data-testid="missed">
          Some notifications arrived while you were away and could not be replayed; reload to see them all.
        </p>
      )}
      {items.length === 0 && <p className="empty">No notifications yet. The demo sends one to ada, grace or linus every few seconds.</p>}
      <ul className="notifications" data-testid="notifications">
        {items.map((item) => (
          <li key={item.id} className={item.read ? 'read' : 'unread'} data-testid="notification" data-read={item.read}>
            <span>{item.text}</span>
            <small className="sender" data-testid="sender">
              from {item.from === null ? 'the server' : item.from === user ? 'you' : item.from}
            </small>
            <time>{new Date(item.at).toLocaleTimeString()}</time>
            {!item.read && (
              <button type="button" onClick={() => void publish('read', { id: item.id })}>
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
