import { useChannel, useChannelEvent, usePublish } from '@lifeline/react'
import { useState, type FormEvent } from 'react'
import type { Comment } from '../channels'
import { WhoIsOnline } from './WhoIsOnline'

export interface TrackCommentsProps {
  user: string
  /** The track whose thread is open: each track has its own `comments:{track}` channel. */
  track: string
  /**
   * Tracks offered in the switcher; switching moves the subscription.
   * @default ['typescript', 'rust', 'go']
   */
  tracks?: string[]
}

/** A comment thread per track. A posted comment appears for every viewer of that track, once. */
export function TrackComments({ user, track: initialTrack, tracks = ['typescript', 'rust', 'go'] }: TrackCommentsProps) {
  const [track, setTrack] = useState(initialTrack)
  return (
    <section className="card comments">
      <h2>Comments</h2>
      <nav className="tabs" aria-label="tracks">
        {tracks.map((name) => (
          <button key={name} type="button" aria-pressed={name === track} onClick={() => setTrack(name)}>
            {name}
          </button>
        ))}
      </nav>
      {/* Keyed by track: a new thread starts empty instead of showing the last track's comments. */}
      <Thread key={track} user={user} track={track} />
    </section>
  )
}

/** A comment with who posted it and when, as the server stamped them. */
interface Posted extends Comment {
  author: string | null
  at: number
}

function Thread({ user, track }: { user: string; track: string }) {
  const channelName = `comments:${track}` as const
  const { state } = useChannel(channelName)
  const publish = usePublish(channelName)
  const [comments, setComments] = useState<Posted[]>([])
  const [draft, setDraft] = useState('')
  useChannelEvent(channelName, 'comment', (comment, { publisher, time }) => setComments((list) => [...list, { ...comment, author: publisher, at: time }]))

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const text = draft.trim()
    if (!text) return
    setDraft('')
    void publish('comment', { id: crypto.randomUUID(), text })
  }

  return (
    <>
      <p className="muted">
        channel <code>{channelName}</code> · <span data-testid="channel-status">{state.status}</span> · new comments arrive live; older ones would come from your API
      </p>
      <WhoIsOnline channel={channelName} user={user} />
      <ul className="thread" data-testid="comments">
        {comments.map((comment) => (
          <li key={comment.id} data-testid="comment">
            <b>{comment.author === user ? 'you' : (comment.author ?? 'the server')}</b> <span>{comment.text}</span>
            <time>{new Date(comment.at).toLocaleTimeString()}</time>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="comment-form">
        <input aria-label="comment" placeholder={`Comment on ${track} as ${user}`} value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit">Post</button>
      </form>
    </>
  )
}
