import { RealtimeClient, type ConnectionStatus, type MessageMeta, type PresenceMember, type PublishResult } from '@lifeline/client'
import { describe, expectTypeOf, it } from 'vitest'
import { useChannel, useChannelEvent, useConnectionState, useLatestMessage, usePresence, usePublish } from '../index'

interface Score {
  user: string
  points: number
}
interface Notification {
  id: string
  text: string
}

// What an app declares once (docs/react.md#typing). The augmentation applies to every file of this
// package's type check; the runtime tests use other channels, which stay untyped.
declare module '@lifeline/react' {
  interface Register {
    channels: {
      leaderboard: { scores: Score[]; reset: null }
      [name: `user:${string}`]: { notification: Notification; read: { id: string } }
    }
  }
}

/** A client typed on its own, without the Register. */
type BoardChannels = { [name: `board:${string}`]: { card_moved: { card: string; to: 'todo' | 'doing' | 'done' } } }
declare const boardClient: RealtimeClient<BoardChannels>

describe('hooks typed by the Register', () => {
  it('flow event payloads into handlers', () => {
    useChannelEvent('leaderboard', 'scores', (scores, meta) => {
      expectTypeOf(scores).toEqualTypeOf<Score[]>()
      expectTypeOf(meta).toEqualTypeOf<MessageMeta>()
    })
    useChannelEvent('user:ada', 'notification', (notification) => {
      expectTypeOf(notification).toEqualTypeOf<Notification>()
    })
  })

  it('reject an event the channel does not have', () => {
    // @ts-expect-error 'score' is not an event of 'leaderboard' (it is 'scores')
    useChannelEvent('leaderboard', 'score', () => {})
    // @ts-expect-error 'scores' belongs to 'leaderboard', not to the user channels
    useChannelEvent('user:ada', 'scores', () => {})
  })

  it('type the latest message with its initial value', () => {
    expectTypeOf(useLatestMessage('leaderboard', 'scores', { initial: [] as Score[] })).toEqualTypeOf<Score[]>()
    expectTypeOf(useLatestMessage('user:ada', 'notification')).toEqualTypeOf<Notification | undefined>()
    // @ts-expect-error no such event
    useLatestMessage('leaderboard', 'winner')
  })

  it('type publishing by event', () => {
    const publish = usePublish('user:ada')
    expectTypeOf(publish('read', { id: 'n1' })).toEqualTypeOf<Promise<PublishResult>>()
    // @ts-expect-error the payload of 'read' is { id: string }
    void publish('read', { id: 1 })
    // @ts-expect-error no such event
    void publish('unread', { id: 'n1' })
  })

  it('type the channel handle', () => {
    const { channel } = useChannel('leaderboard')
    channel.on('reset', (data) => expectTypeOf(data).toEqualTypeOf<null>())
    // @ts-expect-error no such event
    channel.on('scorez', () => {})
  })

  it('leave channels that are not registered open', () => {
    useChannelEvent('demo:1', 'anything', (data) => expectTypeOf(data).toEqualTypeOf<unknown>())
  })

  it("leave '*' out: the catch-all is channel.onAny, typed per event", () => {
    // @ts-expect-error '*' is not an event name, on a registered channel or any other
    useChannelEvent('demo:1', '*', () => {})
    // @ts-expect-error the same for useLatestMessage
    useLatestMessage('demo:1', '*')
    const { channel } = useChannel('leaderboard')
    // @ts-expect-error nor for the channel handle
    channel.on('*', () => {})
    channel.onAny((event, data, meta) => {
      expectTypeOf(meta).toEqualTypeOf<MessageMeta>()
      if (event === 'scores') expectTypeOf(data).toEqualTypeOf<Score[]>()
      else expectTypeOf(data).toEqualTypeOf<null>()
    })
  })

  it('type presence members and the options that start a subscription', () => {
    expectTypeOf(usePresence('comments:1', { data: { name: 'Ada' } })).toEqualTypeOf<readonly PresenceMember[]>()
    useChannel('leaderboard', { rewind: 1, presence: true })
    expectTypeOf(useLatestMessage('leaderboard', 'scores', { rewind: 1 })).toEqualTypeOf<Score[] | undefined>()
    // @ts-expect-error rewind is a count
    useChannel('leaderboard', { rewind: 'all' })
  })
})

describe('hooks given a typed client', () => {
  it('take the payload types from the client', () => {
    useChannelEvent('board:7', 'card_moved', (move) => expectTypeOf(move).toEqualTypeOf<{ card: string; to: 'todo' | 'doing' | 'done' }>(), { client: boardClient })
    expectTypeOf(useLatestMessage('board:7', 'card_moved', { client: boardClient })).toEqualTypeOf<{ card: string; to: 'todo' | 'doing' | 'done' } | undefined>()
    const publish = usePublish('board:7', { client: boardClient })
    // @ts-expect-error 'archived' is not a column
    void publish('card_moved', { card: 'c1', to: 'archived' })
  })

  it('reject a wrong event name', () => {
    // @ts-expect-error 'card_deleted' is not an event of the board channels
    useChannelEvent('board:7', 'card_deleted', () => {}, { client: boardClient })
  })
})

describe('useConnectionState', () => {
  it('returns what the selector picks, or the whole snapshot', () => {
    expectTypeOf(useConnectionState((state) => state.status)).toEqualTypeOf<ConnectionStatus>()
    expectTypeOf(useConnectionState().attempt).toEqualTypeOf<number>()
  })
})
