import type { ClientStats } from '@lifeline/client'
import { useRealtimeClient } from '@lifeline/react'
import { useNow } from '../components/useNow'

/**
 * `client.stats()` as of this render, rendering again every `intervalMs` at least: the RTT changes
 * on pings, which neither a state change nor a logged frame announces.
 */
export function useClientStats(intervalMs = 1000): ClientStats {
  useNow(intervalMs)
  return useRealtimeClient().stats()
}
