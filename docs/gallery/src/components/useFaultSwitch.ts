import { useCallback, useEffect, useRef, useState } from 'react'

/** The gallery server's fault switches that the labs flip (`/demo/faults`). */
export type FaultSwitch = 'refuseWebSocket' | 'bufferSse'

const setFault = async (name: FaultSwitch, on: boolean): Promise<boolean> => {
  const response = await fetch('/demo/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [name]: on }) })
  return ((await response.json()) as Record<FaultSwitch, boolean>)[name]
}

/**
 * One of the gallery server's fault switches (`/demo/faults`), as state plus a setter. A switch
 * turned on here is turned off when the component unmounts, so leaving the lab does not leave every
 * other story (and every other viewer of the demo server) on a fallback.
 */
export function useFaultSwitch(name: FaultSwitch): { on: boolean | undefined; set: (on: boolean) => Promise<void> } {
  const [on, setState] = useState<boolean>()
  const onHere = useRef(false)
  useEffect(() => {
    let live = true
    void fetch('/demo/faults')
      .then((response) => response.json() as Promise<Record<FaultSwitch, boolean>>)
      .then((faults) => live && setState(faults[name]))
    return () => {
      live = false
      if (onHere.current) void setFault(name, false)
    }
  }, [name])
  const set = useCallback(
    async (next: boolean) => {
      onHere.current = next
      setState(await setFault(name, next))
    },
    [name],
  )
  return { on, set }
}
