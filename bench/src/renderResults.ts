import type { BenchSection } from './benchSection'
import { verdict } from './benchSection'
import { describeMachine } from './machine'
import { markdownTable } from './markdownTable'
import type { Profile } from './profile'
import { METHOD } from './method'

/** The whole RESULTS.md: summary of goals, machine and versions, method, then each suite's tables. */
export async function renderResults(profile: Profile, sections: BenchSection[], seconds: number, loadAtStart: number[]): Promise<string> {
  const goals = sections.flatMap((section) => section.goals)
  return [
    '# Lifeline benchmarks',
    '',
    `Written by \`pnpm bench\` (profile \`${profile.name}\`, ${Math.round(seconds)} s) on ${new Date().toISOString()}. Do not edit by hand.`,
    '',
    '## Goals',
    '',
    markdownTable(['Goal', 'Measured', 'Verdict'], goals.map((goal) => [goal.goal, goal.measured, verdict(goal.met)])),
    '',
    '## Machine and versions',
    '',
    await describeMachine(loadAtStart),
    '',
    '## Method',
    '',
    METHOD,
    '',
    ...sections.flatMap((section) => [`## ${section.title}`, '', section.markdown, '']),
  ].join('\n')
}
