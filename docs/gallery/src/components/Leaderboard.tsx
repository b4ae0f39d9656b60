import { useLatestMessage } from '@lifeline/react'
import { useEffect, useRef, useState } from 'react'
import type { Score } from '../channels'
import { useFlip } from './useFlip'

export interface LeaderboardProps {
  /** The viewer, highlighted in the table. */
  user: string
  /**
   * Rows shown.
   * @default 10
   */
  top?: number
}

/** Live rankings from the `leaderboard` channel; rows glide to their new place when ranks change. */
export function Leaderboard({ user, top = 10 }: LeaderboardProps) {
  // rewind: 1 replays the last scores the server holds, so the table shows at once on load.
  const latest = useLatestMessage('leaderboard', 'scores', { initial: undefined, rewind: 1 })
  const scores: Score[] = (latest?.scores ?? []).slice(0, top)
  const ranks = useRankChanges(latest?.scores)
  const flip = useFlip(scores.map((score) => score.name))

  return (
    <section className="card leaderboard">
      <h2>Leaderboard</h2>
      {scores.length === 0 && <p className="empty">Waiting for the first scores…</p>}
      <ol className="leaderboard-rows" data-testid="leaderboard">
        {scores.map((score, index) => (
          <li key={score.name} ref={flip(score.name)} className={score.name === user ? 'me' : undefined} data-testid="leaderboard-row" data-name={score.name}>
            <span className="rank">{index + 1}</span>
            <span className="name">{score.name}</span>
            <span className="trend">{ranks.get(score.name)}</span>
            <span className="points" data-testid="points">{score.points}</span>
          </li>
        ))}
      </ol>
    </section>
  )
}

/** ▲ or ▼ for names whose rank changed with the latest scores. */
function useRankChanges(scores: Score[] | undefined): Map<string, string> {
  const [changes, setChanges] = useState(() => new Map<string, string>())
  const ranks = useRef(new Map<string, number>())
  useEffect(() => {
    if (!scores) return
    const before = ranks.current
    const next = new Map<string, string>()
    scores.forEach((score, index) => {
      const was = before.get(score.name)
      if (was !== undefined && was !== index) next.set(score.name, was > index ? '▲' : '▼')
    })
    ranks.current = new Map(scores.map((score, index) => [score.name, index]))
    setChanges(next)
  }, [scores])
  return changes
}
