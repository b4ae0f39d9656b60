/**
 * `lifeline-conformance`: runs the Lifeline protocol's conformance cases against a server URL.
 * @see https://github.com/lifeline-rt/lifeline/blob/main/docs/conformance.md
 */
import { runCli } from './cliMain'

runCli(process.argv.slice(2), { out: (text) => console.log(text), err: (text) => console.error(text) }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error('[lifeline-conformance] failed:', error)
    process.exitCode = 2
  },
)
