// `pnpm bench` (full, rewrites RESULTS.md) and `pnpm bench:smoke` (small cases, prints the report).
// Optional suite names after the flags run only those suites, for development. The exit code is
// non-zero when any suite or contender failed, lost or duplicated a message, or did not connect.
import { writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { signToken } from '@lifeline/mock-server'
import { BENCH_JWT_SECRET } from './benchServer'
import type { BenchSection } from './benchSection'
import { runBrowserSuite } from './browserSuite'
import { runBundleSizeSuite } from './bundleSizeSuite'
import { runClientThroughputSuite } from './clientThroughputSuite'
import { runFallbackSuite } from './fallbackSuite'
import { runFanoutSuite } from './fanoutSuite'
import { runIdleTrafficSuite } from './idleTrafficSuite'
import { sourceState } from './machine'
import { FULL, SMOKE, type Profile } from './profile'
import { runProfileSuite } from './profileSuite'
import { renderResults } from './renderResults'
import { runReplicasSuite } from './replicasSuite'

const args = process.argv.slice(2)
const clientsFlag = args.find((arg) => arg.startsWith('--clients='))
// `--clients=200,1000` replaces the fan-out sizes (development; the report then goes to stdout).
const sizes = clientsFlag ? clientsFlag.slice(10).split(',').map(Number) : undefined
const base = args.includes('--smoke') ? SMOKE : FULL
// `--engines=firefox,webkit` replaces the browsers (development).
const engines = args.find((arg) => arg.startsWith('--engines='))?.slice(10).split(',') as Profile['browserEngines'] | undefined
const profile: Profile = { ...base, ...(sizes ? { fanoutSizes: sizes, memorySize: Math.max(...sizes) } : {}), ...(engines ? { browserEngines: engines } : {}) }
const only = args.filter((arg) => !arg.startsWith('--'))
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)

const token = await signToken({ secret: BENCH_JWT_SECRET, sub: 'bench', roles: ['admin'], expiresInSeconds: 3600 })

const SUITES: Record<string, () => Promise<BenchSection>> = {
  size: () => runBundleSizeSuite(),
  fanout: () => runFanoutSuite(profile, token, log),
  replicas: () => runReplicasSuite(profile, token, log),
  browser: () => runBrowserSuite(profile, log),
  fallback: () => runFallbackSuite(profile, token, log),
  idle: () => runIdleTrafficSuite(profile, token, log),
  client: () => runClientThroughputSuite(profile),
  profile: () => runProfileSuite(profile, token, log),
}
const unknown = only.filter((name) => !(name in SUITES))
if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}: use ${Object.keys(SUITES).join(', ')}`)

/** A hard bound on the whole run, whatever hangs. */
const RUN_BOUND_MS = (profile.name === 'smoke' ? 3 : 20) * 60_000
setTimeout(() => {
  console.error(`[bench] still running after ${RUN_BOUND_MS / 60_000} minutes: giving up`)
  process.exit(2)
}, RUN_BOUND_MS).unref()

const startedAt = Date.now()
const loadAtStart = loadavg()
const source = await sourceState()
const sections: BenchSection[] = []
for (const [name, run] of Object.entries(SUITES)) {
  if (only.length && !only.includes(name)) continue
  log(`suite ${name}`)
  try {
    sections.push(await run())
  } catch (error) {
    // One broken suite must not cost the others' figures; the exit code still says it failed.
    console.error(error)
    const message = error instanceof Error ? error.message : String(error)
    sections.push({ title: `${name} (failed)`, markdown: `The suite failed: \`${message}\``, goals: [], failures: [`${name}: ${message}`] })
  }
}
const report = await renderResults(profile, sections, (Date.now() - startedAt) / 1000, loadAtStart, source)
if (profile.name === 'full' && !only.length && !sizes && !engines) {
  await writeFile(new URL('../RESULTS.md', import.meta.url), report)
  log('wrote bench/RESULTS.md')
} else {
  console.log(report)
}
const failures = sections.flatMap((section) => section.failures)
if (failures.length) {
  console.error(`[bench] ${failures.length} failure(s):\n${failures.map((failure) => `  - ${failure}`).join('\n')}`)
  process.exitCode = 1
} else {
  log(`done in ${Math.round((Date.now() - startedAt) / 1000)} s, every contender delivered every message`)
}
