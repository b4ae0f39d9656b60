import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'

/** Process groups this worker started and has not stopped yet, killed if it exits first. */
const live = new Set<number>()
let exitHookInstalled = false

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // ESRCH: nobody left in the group.
  }
}

/**
 * Tracks a process group for cleanup: a test worker that exits (a failed `beforeAll`, an
 * unhandled error) kills what it started instead of leaving browsers behind.
 */
export function trackGroup(pgid: number): void {
  live.add(pgid)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const group of live) killGroup(group, 'SIGKILL')
  })
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
  const child = spawn(command, args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] })
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
