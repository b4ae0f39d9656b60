import type { TransportName } from '@lifeline/protocol'
import type { Level } from '../conformanceCase'
import { CASES } from './index'

/** What a case checks, for listings (`lifeline-conformance --list`, the docs). */
export interface CaseDescription {
  name: string
  level: Level
  title: string
  /** The transports it runs on, or `undefined` when it runs once. */
  transports?: readonly TransportName[]
}

/** Every case of the suite, in the order it runs. */
export function describeCases(): CaseDescription[] {
  return CASES.map(({ name, level, title, transports }) => ({ name, level, title, ...(transports ? { transports } : {}) }))
}
