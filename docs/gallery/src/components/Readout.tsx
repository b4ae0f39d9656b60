import type { ReactNode } from 'react'

export interface ReadoutProps {
  label: ReactNode
  /** The figure itself, with the `data-testid` the tests read it by. */
  children: ReactNode
}

/** One big labelled figure in the row across the top of a lab. */
export function Readout({ label, children }: ReadoutProps) {
  return (
    <div className="big-readout">
      <span className="tile-label">{label}</span>
      {children}
    </div>
  )
}
