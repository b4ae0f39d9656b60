import { constants } from 'node:fs'
import { access, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { TRANSPORTS } from '@lifeline/protocol'
import { describeCases } from './cases/describeCases'
import { ConfigError, loadConfig } from './config'
import { LEVELS } from './conformanceCase'
import { formatHeader, formatResult, formatSummary } from './formatReport'
import { checkOptions, runConformance, type ConformanceOptions } from './runConformance'
import { KIT_VERSION } from './version'

export const USAGE = `Usage: lifeline-conformance --url <server> --config <file> [options]

Runs the Lifeline protocol's conformance cases against a server and reports each one.

  --url <url>            the server's base URL, e.g. http://127.0.0.1:8000 (required)
  --config <file>        users, channels and limits, as JSON (required; see docs/conformance.md)
  --url2 <url>           a second replica of the same deployment: enables the multi-replica level
  --level <a,b>          levels to run: ${LEVELS.join(', ')} (default: all)
  --transport <a,b>      transports: ${TRANSPORTS.join(', ')} (default: all)
  --case <a,b>           only these cases (names from --list)
  --not-applicable <a,b> cases that do not apply to this server (reported as such, not run)
  --json <file>          also write the report as JSON
  --list                 list the cases and exit
  --version              print the kit's version
  -h, --help             print this help

Exit code: 0 when no case failed, 1 when one did, 2 for a usage or config error.`

/** Where the CLI writes; the real one writes to the process's streams. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
}

/** A bad flag: printed with the usage, exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Whether a report can be written at `path`; checked before the run, which may take minutes. */
async function checkWritable(path: string): Promise<void> {
  const problem = await stat(path).then(
    (found) => (found.isDirectory() ? 'it is a folder' : undefined),
    () => access(dirname(resolve(path)), constants.W_OK).then(() => undefined, (error: Error) => error.message),
  )
  if (problem) throw new UsageError(`--json ${path}: cannot write the report there (${problem})`)
}

const list = (value: string | undefined) => value?.split(',').map((item) => item.trim()).filter(Boolean)

/** The CLI without the process around it: parses `argv`, runs, writes, returns the exit code. */
export async function runCli(argv: string[], io: CliIo, extra: Pick<ConformanceOptions, 'fetch' | 'WebSocket'> = {}): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        url2: { type: 'string' },
        config: { type: 'string' },
        level: { type: 'string' },
        transport: { type: 'string' },
        case: { type: 'string' },
        'not-applicable': { type: 'string' },
        json: { type: 'string' },
        list: { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) return io.out(USAGE), 0
    if (values.version) return io.out(KIT_VERSION), 0
    if (values.list) {
      for (const { level, name, title, transports } of describeCases()) io.out(`${level.padEnd(13)} ${name.padEnd(24)} ${title}${transports ? ` [${transports.join(', ')}]` : ''}`)
      return 0
    }
    if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`)
    if (!values.url) throw new UsageError('--url is required')
    if (!values.config) throw new UsageError('--config is required')
    // A flag given with nothing in it (an unset CI variable) is refused: it means neither "all" nor "none".
    const listOf = (flag: 'level' | 'transport' | 'case' | 'not-applicable'): string[] | undefined => {
      const items = list(values[flag])
      if (items?.length === 0) throw new UsageError(`--${flag} needs a comma-separated list, got "${values[flag]}"`)
      return items
    }
    const [levels, transports, cases, declared] = [listOf('level'), listOf('transport'), listOf('case'), listOf('not-applicable')]
    const options: ConformanceOptions = {
      ...extra,
      url: values.url,
      config: undefined,
      ...(values.url2 ? { url2: values.url2 } : {}),
      ...(levels ? { levels: levels as ConformanceOptions['levels'] } : {}),
      ...(transports ? { transports: transports as ConformanceOptions['transports'] } : {}),
      ...(cases ? { cases } : {}),
      ...(declared ? { notApplicable: Object.fromEntries(declared.map((name) => [name, 'declared not applicable with --not-applicable'])) } : {}),
    }
    // Flags first: a typo in --level should not wait for a token command.
    checkOptions(options)
    if (values.json) await checkWritable(values.json)
    options.config = await loadConfig(values.config)
    let level: string | undefined
    io.out(formatHeader({ url: values.url, ...(values.url2 ? { url2: values.url2 } : {}), levels: options.levels ? [...options.levels] : [...LEVELS], transports: options.transports ? [...options.transports] : [...TRANSPORTS] }))
    const report = await runConformance({
      ...options,
      onResult(result) {
        if (result.level !== level) io.out(`\n${(level = result.level)}`)
        io.out(formatResult(result))
      },
    })
    io.out(`\n${formatSummary(report)}`)
    if (values.json) {
      try {
        await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`)
      } catch (error) {
        io.err(`--json ${values.json}: cannot write the report (${(error as Error).message})`)
        return 2
      }
      io.out(`JSON report: ${values.json}`)
    }
    return report.ok ? 0 : 1
  } catch (error) {
    const usage = error instanceof UsageError || (error instanceof TypeError && ('code' in error ? String(error.code).startsWith('ERR_PARSE_ARGS') : error.message.startsWith('runConformance')))
    if (usage) return io.err(`${error.message.replace(/^runConformance: /, '')}\n\n${USAGE}`), 2
    if (error instanceof ConfigError) return io.err(`Config error: ${error.message}`), 2
    throw error
  }
}
