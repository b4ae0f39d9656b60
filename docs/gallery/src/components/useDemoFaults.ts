import { useCallback, useEffect, useState } from 'react'

/** The gallery server's WebSocket block switch (`/demo/faults`), as state plus a setter. */
export function useWebSocketBlock(): { blocked: boolean | undefined; setBlocked: (blocked: boolean) => Promise<void> } {
  const [blocked, setState] = useState<boolean>()
  useEffect(() => {
    let live = true
    void fetch('/demo/faults')
      .then((response) => response.json() as Promise<{ refuseWebSocket: boolean }>)
      .then((faults) => live && setState(faults.refuseWebSocket))
    return () => {
      live = false
    }
  }, [])
  const setBlocked = useCallback(async (next: boolean) => {
    const response = await fetch('/demo/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refuseWebSocket: next }) })
    const faults = (await response.json()) as { refuseWebSocket: boolean }
    setState(faults.refuseWebSocket)
  }, [])
  return { blocked, setBlocked }
}
