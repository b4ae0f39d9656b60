import type { ClientStats } from '@lifeline/client'
import { useRealtimeClient } from '@lifeline/react'
import { useEffect, useState } from 'react'

/** `client.stats()`, read again every `intervalMs` (RTT and frame counts change without a state change). */
export function useClientStats(intervalMs = 1000): ClientStats {
  const client = useRealtimeClient()
  const [stats, setStats] = useState(() => client.stats())
  useEffect(() => {
    setStats(client.stats())
    const timer = setInterval(() => setStats(client.stats()), intervalMs)
    return () => clearInterval(timer)
  }, [client, intervalMs])
  return stats
}
