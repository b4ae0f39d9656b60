import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests import sources through the `@lifeline/source` export condition, so they never need a build.
// Setting `conditions` replaces Vite's defaults, so those are listed again after ours.
const source = {
  resolve: { conditions: ['@lifeline/source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['@lifeline/source', 'module', 'node', 'development|production'] } },
}

// React, ReactDOM and Testing Library as installed (with React 18 as their peer) by packages/react/react-18.
const react18 = fileURLToPath(new URL('packages/react/react-18/node_modules/', import.meta.url))
const onReact18 = Object.fromEntries(['react', 'react-dom', '@testing-library/react'].map((name) => [name, react18 + name]))

// The hook tests, run once per supported React major.
const reactHookTests = { root: 'packages/react', environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}', 'test/**/*.integration.test.{ts,tsx}'] }

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'protocol',
          root: 'packages/protocol',
          environment: 'node',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        ...source,
        test: {
          name: 'client',
          root: 'packages/client',
          environment: 'jsdom',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        ...source,
        test: {
          // The client against the real mock server in Node, with the `ws` and `eventsource` packages.
          name: 'client-integration',
          root: 'packages/client',
          environment: 'node',
          include: ['test/**/*.integration.test.ts'],
        },
      },
      {
        ...source,
        test: {
          name: 'react',
          ...reactHookTests,
          typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
          env: { REACT_MAJOR: '19' },
        },
      },
      {
        // The same hook tests on React 18, the older major the peer range allows.
        ...source,
        resolve: { ...source.resolve, alias: onReact18 },
        test: {
          name: 'react-18',
          ...reactHookTests,
          env: { REACT_MAJOR: '18' },
        },
      },
      {
        ...source,
        test: {
          name: 'mock-server',
          root: 'packages/mock-server',
          environment: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.integration.test.ts'],
        },
      },
      {
        ...source,
        test: {
          // The conformance kit against the mock server (in memory, Redis replicas), the MSW handlers and broken servers.
          name: 'conformance',
          root: 'packages/conformance',
          environment: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.integration.test.ts'],
        },
      },
      {
        ...source,
        test: {
          // The guides' code samples against the files they are printed from.
          name: 'docs',
          root: 'docs',
          environment: 'node',
          include: ['*.test.ts'],
        },
      },
      {
        test: {
          // The Django Channels backend: its pytest suite and the conformance kit against daphne.
          name: 'django',
          root: 'servers/django',
          environment: 'node',
          include: ['*.test.ts'],
          testTimeout: 300_000,
        },
      },
      {
        ...source,
        test: {
          // Every story of the gallery in headless Chromium (playwright-core, Debian's chromium).
          name: 'gallery',
          root: 'docs/gallery',
          environment: 'node',
          include: ['test/**/*.e2e.test.ts'],
        },
      },
      {
        test: {
          // The packed packages installed with npm into an app outside the workspace (no source condition).
          name: 'consumer',
          root: 'test/consumer',
          environment: 'node',
          include: ['consumer.test.ts'],
        },
      },
      {
        ...source,
        test: {
          // The same stories in a real Storybook: `storybook build`, then every story in Chromium.
          name: 'storybook',
          root: 'docs/storybook',
          environment: 'node',
          include: ['test/**/*.e2e.test.ts'],
        },
      },
      {
        ...source,
        test: {
          // Chromium, Firefox and WebKit through @lifeline/testkit: the testkit's own tests, and the
          // built client behind a real nginx. One file at a time: each starts three browsers.
          name: 'browsers',
          environment: 'node',
          include: ['packages/testkit/test/**/*.test.ts', 'packages/client/test/browser/**/*.browser.test.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
})
