import { useEffect, useState } from 'react'

/** `Date.now()`, re-rendering every `intervalMs` (for countdowns). */
export function useNow(intervalMs = 500): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}
