import type { ReactNode } from 'react'

export interface LabCardProps {
  title: string
  /** The lab's own class beside `card`, for its styles. */
  className: string
  /** The big figures across the top: `Readout`s. */
  readouts: ReactNode
  children: ReactNode
}

/** A lab's card: its title, a row of big readouts, then the lab's controls and logs. */
export function LabCard({ title, className, readouts, children }: LabCardProps) {
  return (
    <section className={`card ${className}`}>
      <h2>{title}</h2>
      <div className="lab-row">{readouts}</div>
      {children}
    </section>
  )
}
