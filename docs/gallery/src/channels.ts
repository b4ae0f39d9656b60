/**
 * The payloads on the demo channels (what `startDemo` and the gallery server publish), registered
 * once so every `@lifeline/react` hook in the gallery is typed by channel name and event.
 * @see ../../react.md#typing
 */
export interface Notification {
  id: string
  text: string
  at: number
}

export interface DashboardStats {
  activeUsers: number
  submissions: number
  at: number
}

export interface Score {
  name: string
  points: number
}

/** Who moved a card is not in the payload: the server stamps it on the message (`meta.publisher`). */
export interface CardMove {
  card: string
  to: string
}

/** The author and the time come from the server's stamp (`meta.publisher`, `meta.time`), not the payload. */
export interface Comment {
  id: string
  text: string
}

export interface Tick {
  n: number
  at: number
}

// sample: register
declare module '@lifeline/react' {
  interface Register {
    channels: {
      dashboard: { stats: DashboardStats }
      leaderboard: { scores: { scores: Score[] } }
      [name: `user:${string}`]: { notification: Notification; read: { id: string } }
      [name: `board:${string}`]: { card_moved: CardMove }
      [name: `comments:${string}`]: { comment: Comment }
      [name: `demo:${string}`]: { tick: Tick }
    }
  }
}
// end sample
