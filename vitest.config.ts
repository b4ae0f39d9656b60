import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'
import { browserConditions, nodeConditions } from './conditions.mjs'
import { luaText } from './luaText.mjs'

// Where tests go (CONTRIBUTING.md, "Where tests go"): one glob per kind, the same in every package.
const unit = 'src/__tests__/**/*.test.{ts,tsx}'
const integration = 'test/**/*.integration.test.{ts,tsx}'
const browser = 'test/browser/*.browser.test.ts'
const e2e = 'test/*.e2e.test.ts'

/**
 * One project: `root` is the folder the globs are read from; tests read sources, not builds (so the
 * Redis scripts the mock server imports from `.lua` files load as text, as rollup inlines them).
 */
function project(name: string, root: string, include: string[], test: TestProjectInlineConfiguration['test'] = {}) {
  return {
    plugins: [luaText()],
    resolve: { conditions: browserConditions },
    ssr: { resolve: { conditions: nodeConditions } },
    test: { name, root, include, environment: 'node', ...test },
  }
}

// The hook tests, run once per supported React major.
const reactTests = ['src/__tests__/**/*.test.tsx', integration].map((glob) => `../${glob}`)

export default defineConfig({
  test: {
    projects: [
      project('protocol', 'packages/protocol', [unit]),
      project('client', 'packages/client', [unit], { environment: 'jsdom' }),
      // The client against the real mock server in Node, with the `ws` and `eventsource` packages.
      project('client-integration', 'packages/client', [integration]),
      project('react', 'packages/react', [unit, integration], {
        environment: 'jsdom',
        typecheck: { enabled: true, include: ['src/__tests__/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        env: { REACT_MAJOR: '19' },
      }),
      // The same hook tests on React 18, the older major the peer range allows. packages/react/react-18
      // is a private package with React 18 as its own dependency; `dedupe` resolves React from the
      // project's root, so the tests and @lifeline/react's sources all get that copy.
      {
        ...project('react-18', 'packages/react/react-18', reactTests, { environment: 'jsdom', env: { REACT_MAJOR: '18' } }),
        resolve: { conditions: browserConditions, dedupe: ['react', 'react-dom', '@testing-library/react'] },
      },
      project('mock-server', 'packages/mock-server', [unit, integration]),
      // The conformance kit against the mock server (in memory, Redis replicas), the MSW handlers and broken servers.
      project('conformance', 'packages/conformance', [unit, integration]),
      // Chromium, Firefox and WebKit through @lifeline/testkit (its own tests, and the built client
      // behind a real nginx). One file at a time: each starts three browsers.
      project('browsers', '.', ['packages/testkit/test/*.test.ts', `packages/*/${browser}`], { fileParallelism: false }),
      // The demo app's stories in three browsers, and the same stories in a real Storybook.
      project('gallery', 'docs/gallery', [e2e]),
      project('storybook', 'docs/storybook', [e2e]),
      // The guides' code samples against the files they are printed from.
      project('docs', 'docs', ['*.test.ts']),
      // The packed packages installed with npm into an app outside the workspace.
      project('consumer', 'test/consumer', ['consumer.test.ts']),
      // The Django Channels backend: its pytest suite and the conformance kit against daphne.
      project('django', 'servers/django', ['*.test.ts'], { testTimeout: 300_000 }),
    ],
  },
})
