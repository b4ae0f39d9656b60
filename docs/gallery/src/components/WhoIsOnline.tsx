import { usePresence } from '@lifeline/react'

export interface WhoIsOnlineProps {
  /** The channel whose presence this viewer joins and shows. */
  channel: string
  /** The viewer (its token's `sub`), shown as "you". */
  user: string
}

/**
 * Who has the channel open right now: joins its presence while mounted. Names are the users the
 * server authenticated (token `sub`), one per user however many tabs it has open.
 */
export function WhoIsOnline({ channel, user }: WhoIsOnlineProps) {
  // sample: presence
  const online = usePresence(channel)
  // end sample
  return (
    <p className="online" data-testid="online">
      <span className="muted">Online now:</span>
      {online.map(({ sub, connections }) => (
        <span key={sub} className="online-member" data-testid="online-member" data-sub={sub} title={`${connections} open connection${connections === 1 ? '' : 's'}`}>
          {sub === user ? 'you' : sub}
          {connections > 1 ? ` ×${connections}` : ''}
        </span>
      ))}
    </p>
  )
}
