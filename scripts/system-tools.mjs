#!/usr/bin/env node
// The Debian programs the test suite runs besides Node: Redis for the multi-replica tests, nginx for
// the proxy tests, Chromium, Firefox ESR and WebKitGTK (in a virtual X display) for the browser tests,
// and Python's Django Channels stack for the Django backend.
//
//   node scripts/system-tools.mjs check     exits 1 at once, naming the apt-get command, when one is missing
//   node scripts/system-tools.mjs install   apt-get installs the missing ones (root, Debian); `pnpm setup:system`
//
// `pnpm test` runs `check` first, so a machine without them stops in its first second with the fix
// instead of a launch timeout per test. Environment variables override the paths, as in the tests.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** One program, where the tests look for it, and the Debian package that installs it there. */
const TOOLS = [
  // The Redis tests spawn `redis-server` from PATH.
  { name: 'redis-server', env: undefined, paths: ['redis-server'], aptPackage: 'redis-server' },
  // Debian puts nginx in /usr/sbin, which is not on every user's PATH.
  { name: 'nginx', env: 'NGINX_PATH', paths: ['/usr/sbin/nginx', 'nginx'], aptPackage: 'nginx' },
  { name: 'chromium', env: 'CHROMIUM_PATH', paths: ['/usr/bin/chromium'], aptPackage: 'chromium' },
  { name: 'firefox-esr', env: 'FIREFOX_PATH', paths: ['/usr/bin/firefox-esr'], aptPackage: 'firefox-esr' },
  { name: 'WebKitWebDriver', env: 'WEBKIT_WEBDRIVER_PATH', paths: ['/usr/bin/WebKitWebDriver'], aptPackage: 'webkit2gtk-driver' },
  { name: 'Xvfb', env: 'XVFB_PATH', paths: ['/usr/bin/Xvfb'], aptPackage: 'xvfb' },
  // The Django backend's tests run on Debian's Python with Debian's packages (no PyPI here).
  ...[
    ['django', 'python3-django'],
    ['channels', 'python3-django-channels'],
    ['channels_redis', 'python3-channels-redis'],
    ['daphne', 'python3-daphne'],
    ['jwt', 'python3-jwt'],
    ['redis', 'python3-redis'],
    ['pytest', 'python3-pytest'],
    ['pytest_django', 'python3-pytest-django'],
  ].map(([module, aptPackage]) => ({ name: `python module ${module}`, env: undefined, paths: [], pythonModule: module, aptPackage })),
]

const PYTHON = '/usr/bin/python3'
const importable = (module) => spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** An absolute path as is; a bare name looked up on PATH. */
const found = (path) =>
  path.includes('/') ? executable(path) : (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, path)))

const present = (tool) =>
  tool.pythonModule ? importable(tool.pythonModule) : (tool.env && process.env[tool.env] ? [process.env[tool.env]] : tool.paths).some(found)
const missingTools = () => TOOLS.filter((tool) => !present(tool))

const installCommand = (packages) => `apt-get install -y --no-install-recommends ${packages.join(' ')}`
const packagesOf = (tools) => [...new Set(tools.map((tool) => tool.aptPackage))]

function check() {
  const missing = missingTools()
  if (!missing.length) return 0
  const packages = packagesOf(missing)
  console.error(
    [
      `Missing for the tests: ${missing.map((tool) => tool.name).join(', ')}.`,
      `Install with:  sudo apt-get update && sudo ${installCommand(packages)}`,
      `or run:        pnpm setup:system`,
      ...(missing.some((tool) => tool.env) ? [`(or point ${missing.flatMap((tool) => tool.env ?? []).join(', ')} at your own copies)`] : []),
    ].join('\n'),
  )
  return 1
}

function install() {
  const missing = missingTools()
  if (!missing.length) {
    console.log('System tools: all present.')
    return 0
  }
  const packages = packagesOf(missing)
  const sudo = process.getuid?.() === 0 ? [] : ['sudo']
  const run = (args) => {
    const [program, ...rest] = [...sudo, ...args]
    console.log(`$ ${[program, ...rest].join(' ')}`)
    const result = spawnSync(program, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    if (result.error) throw result.error
    return result.status ?? 1
  }
  const status = run(['apt-get', 'update', '-qq']) || run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages])
  if (status) return status
  return check()
}

const command = process.argv[2]
if (command === 'check') process.exit(check())
else if (command === 'install') process.exit(install())
else {
  console.error('usage: node scripts/system-tools.mjs check|install')
  process.exit(2)
}
