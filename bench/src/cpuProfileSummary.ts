/** The parts of a V8 CPU profile (`Profiler.stop`) that a self-time summary needs. */
import { findSourceMap } from 'node:module'

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[]
  samples?: number[]
  timeDeltas?: number[]
}

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

export interface HotSpot {
  /** Function name and where it lives (a package, Node internals, or the benchmark bundle). */
  name: string
  /** Share of the non-idle samples spent in the function itself (not its callees), 0..1. */
  share: number
  /** Self time in microseconds. */
  micros: number
}

export interface ProfileSummary {
  /** Busy (non-idle) time covered by the samples, in microseconds. */
  busyMicros: number
  /** Self time of the native socket writes (the system calls and the kernel's send path behind them). */
  socketWriteMicros: number
  top: HotSpot[]
}

/** libuv's stream writes as V8 shows them: every contender's writes end in one of these. */
const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String'])

/**
 * Where a function lives, in words a reader can place: a package (`ws`), a Node module
 * (`node:net`), or for the bundled benchmark the original source file, read from the bundle's
 * source map (the process runs with --enable-source-maps), e.g. `mock-server/src/engine/session.ts`.
 */
function placeOf({ url, lineNumber, columnNumber }: CallFrame): string {
  if (!url) return 'V8/native'
  if (url.startsWith('node:')) return url
  const installed = /node_modules\/(@[^/]+\/[^/]+|[^/]+)\/(?!.*node_modules)/.exec(url)
  if (installed) return installed[1]!
  const original = findSourceMap(url)?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined
  const source = original?.originalSource
  if (!source) return url.slice(url.lastIndexOf('/') + 1)
  return source.replace(/^.*\/(packages|bench)\//, '').replace(/^.*node_modules\//, '')
}

/** Not the server's work: waiting, V8's bookkeeping. (`dispatch` without a URL is the inspector session itself.) */
const IGNORED = new Set(['(idle)', '(program)'])

/** Self time per function, largest first, ignoring idle time and the profiler's own calls. */
export function hotSpots(profile: CpuProfile, top: number): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const selfTime = new Map<string, number>()
  let total = 0
  let socketWrites = 0
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (const [index, id] of samples.entries()) {
    const frame = frames.get(id)
    if (!frame || IGNORED.has(frame.functionName) || (frame.functionName === 'dispatch' && !frame.url)) continue
    const name = `${frame.functionName || '(anonymous)'} — ${placeOf(frame)}`
    const delta = deltas[index] ?? 0
    selfTime.set(name, (selfTime.get(name) ?? 0) + delta)
    total += delta
    if (!frame.url && SOCKET_WRITES.has(frame.functionName)) socketWrites += delta
  }
  return {
    busyMicros: total,
    socketWriteMicros: socketWrites,
    top: [...selfTime]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, time]) => ({ name, share: total ? time / total : 0, micros: time })),
  }
}
