import { verdictText, type BenchSection } from './benchSection'
import { describeMachine } from './machine'
import { markdownTable } from './markdownTable'
import type { Profile } from './profile'
import { method } from './method'

/** The whole RESULTS.md: targets, failures, machine and versions, method, then each suite's tables. */
export async function renderResults(profile: Profile, sections: BenchSection[], seconds: number, loadAtStart: number[], source: string): Promise<string> {
  const goals = sections.flatMap((section) => section.goals)
  const failures = sections.flatMap((section) => section.failures)
  return [
    '# Lifeline benchmarks',
    '',
    `Written by \`pnpm bench\` (profile \`${profile.name}\`, ${Math.round(seconds)} s) on ${new Date().toISOString()}. Do not edit by hand.`,
    '',
    '## Targets',
    '',
    'A verdict is "met" only when the target holds for every repetition, "missed" when it fails for every one, and "unclear" when the spread (min–max over the repetitions, in brackets after the median) straddles the target.',
    '',
    markdownTable(['Measure', 'Target', 'Measured', 'Verdict'], goals.map((goal) => [goal.goal, goal.target, goal.measured, verdictText(goal.verdict)])),
    '',
    failures.length ? `**Failures in this run** (the run exits non-zero):\n\n${failures.map((failure) => `- ${failure}`).join('\n')}` : 'No contender failed, lost or duplicated a message in this run.',
    '',
    '## Machine and versions',
    '',
    await describeMachine(loadAtStart, source),
    '',
    '## Method',
    '',
    method(profile),
    '',
    ...sections.flatMap((section) => [`## ${section.title}`, '', section.markdown, '']),
  ].join('\n')
}
