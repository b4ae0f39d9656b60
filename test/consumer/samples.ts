import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './pack'

/** The guides whose every ```ts / ```tsx block must compile, and run unless marked compile-only. */
export const GUIDES = ['getting-started', 'auth', 'react', 'testing'] as const

/**
 * How the consumer test uses a block, from the HTML comment right above it:
 * - `<!-- run: node -->` a Node program: imported, then what it exports is connected and closed;
 * - `<!-- run: browser -->` app code: imported in jsdom with the protocol served by MSW at
 *   `https://rt.example.com` and `/realtime`, and `/api/realtime-token` answered; its default export
 *   is rendered under a `RealtimeProvider`;
 * - `<!-- run: vitest -->` a test file, run by the app's vitest;
 * - `<!-- compile-only: why -->` only typechecked.
 * `; expect: a · b` lists texts that must show (the page for browser, the console for node).
 */
export type Mode = 'node' | 'browser' | 'vitest' | 'compile-only'

export interface Sample {
  guide: (typeof GUIDES)[number]
  /** 1-based position among the guide's code blocks, as the report names it. */
  index: number
  /** Where it is written in the app: its own name from a `// name.tsx` first line, else numbered. */
  file: string
  mode: Mode
  expect: string[]
  code: string
}

const FENCE = /^( *)```(ts|tsx)\n([\s\S]*?)^\1```$/gm
const MARKER = /<!-- (run: (node|browser|vitest)(?:; expect: (.*?))?|compile-only: .*?) -->/

export function samplesOf(guide: Sample['guide']): Sample[] {
  const text = readFileSync(join(ROOT, 'docs', `${guide}.md`), 'utf8')
  return [...text.matchAll(FENCE)].map((match, position) => {
    const index = position + 1
    const indent = match[1]!
    const code = match[3]!
      .split('\n')
      .map((line) => line.slice(indent.length))
      .join('\n')
    // The comments right above the fence (a `<!-- sample: -->` may sit between marker and fence).
    const above = text.slice(0, match.index).trimEnd().split('\n').reverse()
    const comments = above.slice(0, above.findIndex((line) => !line.trim().startsWith('<!--')))
    const marker = comments.map((line) => MARKER.exec(line)).find(Boolean)
    if (!marker) throw new Error(`docs/${guide}.md block ${index} has no <!-- run: … --> or <!-- compile-only: … --> comment above it`)
    const mode = (marker[2] ?? 'compile-only') as Mode
    const named = code
      .split('\n')
      .slice(0, 3)
      .map((line) => /^\/\/ ((?:[\w-]+\/)*[\w.-]+\.(?:d\.ts|tsx|ts))\b/.exec(line)?.[1])
      .find(Boolean)
    const extension = match[2]!
    const numbered = `${guide}-${String(index).padStart(2, '0')}${mode === 'vitest' ? '.test' : ''}.${extension}`
    const file = named && !(mode === 'vitest' && !named.includes('.test.')) ? named : numbered
    return { guide, index, file, mode, expect: marker[3]?.split(' · ') ?? [], code }
  })
}

/** The vitest file that runs a node or browser sample: imports it through the runner, checks what it shows. */
export function runnerOf(sample: Sample): { file: string; code: string } {
  const target = `./${sample.file.replace(/\.tsx?$/, '')}`
  const depth = '../'.repeat(sample.file.split('/').length + 1)
  const runner = sample.mode === 'browser' ? 'runBrowserSample' : 'runNodeSample'
  const name = `docs/${sample.guide}.md block ${sample.index} (${sample.file})`
  return {
    file: sample.file.replace(/\.(d\.)?tsx?$/, '.run.test.ts'),
    code: [
      ...(sample.mode === 'browser' ? ['// @vitest-environment jsdom'] : []),
      `import { it } from 'vitest'`,
      `import { ${runner} } from '${depth}samples-support/${sample.mode}'`,
      '',
      `it(${JSON.stringify(`runs ${name}`)}, () => ${runner}(() => import(${JSON.stringify(target)}), ${JSON.stringify(sample.expect)}))`,
      '',
    ].join('\n'),
  }
}
