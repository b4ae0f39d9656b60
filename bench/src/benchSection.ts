/** A part of RESULTS.md, plus one-line verdicts on the goals it measures. */
export interface BenchSection {
  title: string
  markdown: string
  goals: GoalVerdict[]
}

export interface GoalVerdict {
  goal: string
  measured: string
  met: boolean | undefined
}

export const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? 'met' : '**missed**')
