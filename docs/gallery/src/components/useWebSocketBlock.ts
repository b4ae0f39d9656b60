import { useCallback, useEffect, useRef, useState } from 'react'

const setRefuseWebSocket = async (refuseWebSocket: boolean): Promise<boolean> => {
  const response = await fetch('/demo/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refuseWebSocket }) })
  return ((await response.json()) as { refuseWebSocket: boolean }).refuseWebSocket
}

/**
 * The gallery server's WebSocket block switch (`/demo/faults`), as state plus a setter. A block set
 * here is lifted when the component unmounts, so leaving the lab does not leave every other story
 * (and every other viewer of the demo server) on SSE.
 */
export function useWebSocketBlock(): { blocked: boolean | undefined; setBlocked: (blocked: boolean) => Promise<void> } {
  const [blocked, setState] = useState<boolean>()
  const blockedHere = useRef(false)
  useEffect(() => {
    let live = true
    void fetch('/demo/faults')
      .then((response) => response.json() as Promise<{ refuseWebSocket: boolean }>)
      .then((faults) => live && setState(faults.refuseWebSocket))
    return () => {
      live = false
      if (blockedHere.current) void setRefuseWebSocket(false)
    }
  }, [])
  const setBlocked = useCallback(async (next: boolean) => {
    blockedHere.current = next
    setState(await setRefuseWebSocket(next))
  }, [])
  return { blocked, setBlocked }
}
