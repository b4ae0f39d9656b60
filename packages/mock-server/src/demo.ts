import type { PublishInput, PublishOutcome } from './engine/index'

/** The users the demo publishes for; mint their tokens with `lifeline-mock-server token --sub <name>`. */
export const DEMO_USERS = ['ada', 'grace', 'linus'] as const

const TEAM = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara']
const COLUMNS = ['todo', 'doing', 'review', 'done']
const NOTIFICATIONS = ['New comment on your solution', 'Your mentor replied', 'You earned a badge', 'A track you follow was updated']

export interface DemoOptions {
  /**
   * Milliseconds between two rounds of sample traffic.
   * @default 1000
   */
  intervalMs?: number
  /** @default Math.random */
  random?: () => number
}

/**
 * Publishes sample traffic on the demo channels: per-user notifications (`user:<name>`), dashboard
 * stats, leaderboard scores and kanban card moves (`board:demo`, published as a team member, who
 * is the message's `meta.publisher`). Returns the stop function.
 */
export function startDemo(publish: (input: PublishInput) => Promise<PublishOutcome>, { intervalMs = 1000, random = Math.random }: DemoOptions = {}): () => void {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const scores = new Map(TEAM.map((name) => [name, Math.floor(random() * 100)]))
  let round = 0
  const tick = () => {
    round += 1
    const user = pick(DEMO_USERS)
    const scorer = pick(TEAM)
    scores.set(scorer, scores.get(scorer)! + 1 + Math.floor(random() * 10))
    const batch: PublishInput[] = [
      { channel: 'dashboard', event: 'stats', data: { activeUsers: 40 + Math.floor(random() * 20), submissions: round * 3, at: Date.now() } },
      { channel: 'leaderboard', event: 'scores', data: { scores: [...scores].map(([name, points]) => ({ name, points })).sort((a, b) => b.points - a.points) } },
    ]
    if (round % 3 === 0) batch.push({ channel: `user:${user}`, event: 'notification', data: { id: `n${round}`, text: pick(NOTIFICATIONS), at: Date.now() } })
    // Moved on behalf of a team member: the message's meta.publisher names them, as if they had published.
    if (round % 2 === 0) batch.push({ channel: 'board:demo', event: 'card_moved', data: { card: `card-${1 + Math.floor(random() * 6)}`, to: pick(COLUMNS) }, publisher: `user:${pick(TEAM)}` })
    for (const input of batch) publish(input).catch((error: unknown) => console.error('[lifeline] demo publish failed', error))
  }
  const timer = setInterval(tick, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
