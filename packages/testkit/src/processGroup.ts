import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'

/** Process groups this worker started and has not stopped yet, killed if it exits first. */
const live = new Set<number>()
let exitHookInstalled = false

/**
 * util-linux's setpriv (Essential in Debian). A program started through it gets SIGKILL from the
 * kernel when the test process dies, however it dies (even SIGKILL, when no hook of ours can run).
 */
const SETPRIV = '/usr/bin/setpriv'

/**
 * `command` and `args` so that the started program dies with the test process (see SETPRIV); as
 * given where setpriv is missing. setpriv execs the program, so the pid stays the program's.
 */
export function diesWithParent(command: string, args: string[]): [string, string[]] {
  return existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args]
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // ESRCH: nobody left in the group.
  }
}

/**
 * The path of `command` (as is when it has a slash, else looked up on PATH). Throws ENOENT like
 * `spawn` would, which a program started through setpriv would not: setpriv would exit 127.
 */
function findProgram(command: string, env: NodeJS.ProcessEnv): string {
  const candidates = command.includes('/') ? [command] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command))
  const found = candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
  if (found) return found
  throw Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT', path: command })
}

/**
 * Writes an executable script to `dir` that runs `command` (with the arguments it is given) so
 * that it dies with the test process: for a program some library starts, where we cannot wrap
 * the spawn itself. Returns its path.
 */
export async function scriptDyingWithParent(dir: string, command: string): Promise<string> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`
  const path = join(dir, 'dies-with-parent.sh')
  await writeFile(path, `#!/bin/sh\nexec ${diesWithParent(command, []).flat().map(quote).join(' ')} "$@"\n`, { mode: 0o755 })
  return path
}

/**
 * Tracks a process group for cleanup: a test worker that exits (a failed `beforeAll`, an
 * unhandled error) or is interrupted kills what it started instead of leaving browsers behind.
 * The groups are detached, so a Ctrl-C in the terminal does not reach them by itself.
 */
export function trackGroup(pgid: number): void {
  live.add(pgid)
  if (exitHookInstalled) return
  exitHookInstalled = true
  const killAll = () => {
    for (const group of live) killGroup(group, 'SIGKILL')
  }
  process.once('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll()
      // Then as if we had not listened: the default (or the test runner's own) handling.
      process.kill(process.pid, signal)
    })
  }
}

/**
 * Stops a process group: SIGTERM to all, up to `graceMs` for the leader to exit, then SIGKILL to
 * whatever is left. Browsers fork helpers (renderers, content processes, WebKit's web process) that
 * outlive their parent for a moment, so the group is killed even after the leader has exited.
 */
export async function stopGroup(child: ChildProcess, graceMs = 5000): Promise<void> {
  const pgid = child.pid
  if (pgid === undefined) return
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    killGroup(pgid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))])
    clearTimeout(timer)
  }
  killGroup(pgid, 'SIGKILL')
  live.delete(pgid)
  // SIGKILL is delivered asynchronously: on a busy machine a member can still be running for a
  // moment. Return once the group is gone, so "stopped" means no process is left (bounded).
  for (let waited = 0; livingMembers(pgid).length && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** A process started as the leader of its own group, with its recent output for error messages. */
export interface Group {
  readonly child: ChildProcess
  readonly pgid: number
  /** The last few KB the group wrote to stdout and stderr. */
  output(): string
  /** Resolves with the first match of `pattern` in the output, or rejects once the process exits or `timeoutMs` passes. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>
  stop(): Promise<void>
}

const KEEP_OUTPUT = 16_384

/**
 * Starts `command` as the leader of a new process group, so its whole tree can be killed, and
 * tracks it for cleanup. Its output is always drained (a full pipe would block the browser).
 */
export async function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Group> {
  const child = spawn(...diesWithParent(findProgram(command, env), args), { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const spawned = await Promise.race([once(child, 'spawn').then(() => undefined), once(child, 'error').then(([error]) => error as Error)])
  if (spawned) throw spawned
  const pgid = child.pid!
  trackGroup(pgid)
  let output = ''
  const listeners = new Set<() => void>()
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEEP_OUTPUT)
    for (const listener of listeners) listener()
  }
  child.stdout!.on('data', record)
  child.stderr!.on('data', record)
  child.on('exit', () => {
    for (const listener of listeners) listener()
  })
  return {
    child,
    pgid,
    output: () => output,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern)
          if (match) done(() => resolve(match))
          else if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}: ${output.slice(-2000)}`)))
        }
        const timer = setTimeout(() => done(() => reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms: ${output.slice(-2000)}`))), timeoutMs)
        const done = (settle: () => void) => {
          clearTimeout(timer)
          listeners.delete(check)
          settle()
        }
        listeners.add(check)
        check()
      })
    },
    stop: () => stopGroup(child),
  }
}

/**
 * Pids of the processes of group `pgid` that are still running, read from /proc as `ps -g` would
 * show them. Zombies (exited, waiting to be reaped by init) hold no resources and are not counted.
 */
export function livingMembers(pgid: number): number[] {
  const members: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited while we looked
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry))
  }
  return members
}
