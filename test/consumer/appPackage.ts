import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './pack'

const manifest = (path: string) => JSON.parse(readFileSync(join(ROOT, path, 'package.json'), 'utf8')) as Record<string, Record<string, string>>
const root = manifest('.')
const react = manifest('packages/react')
const mockServer = manifest('packages/mock-server')

/**
 * The temporary app's package.json: the tarballs, and the third-party packages an app brings itself
 * (React, msw, vitest, ws, eventsource), at the ranges this repository tests with, from the registry.
 */
export function appPackage(tarballs: Record<string, string>): object {
  return {
    name: 'lifeline-consumer-app',
    private: true,
    type: 'module',
    dependencies: {
      '@lifeline/client': `file:${tarballs['@lifeline/client']}`,
      '@lifeline/react': `file:${tarballs['@lifeline/react']}`,
      react: react.devDependencies!.react,
      'react-dom': react.devDependencies!['react-dom'],
    },
    devDependencies: {
      '@lifeline/mock-server': `file:${tarballs['@lifeline/mock-server']}`,
      '@types/node': root.devDependencies!['@types/node'],
      '@types/react': react.devDependencies!['@types/react'],
      '@types/react-dom': react.devDependencies!['@types/react-dom'],
      '@types/ws': mockServer.devDependencies!['@types/ws'],
      eventsource: mockServer.devDependencies!.eventsource,
      jsdom: root.devDependencies!.jsdom,
      msw: root.devDependencies!.msw,
      typescript: root.devDependencies!.typescript,
      vitest: root.devDependencies!.vitest,
      ws: mockServer.dependencies!.ws,
    },
  }
}
