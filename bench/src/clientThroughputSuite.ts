import { RealtimeClient } from '@lifeline/client'
import type { BenchSection } from './benchSection'
import { InProcessWebSocket } from './inProcessWebSocket'
import { fixed, markdownTable, whole } from './markdownTable'
import type { Profile } from './profile'
import { median, waitUntil } from './stats'

interface Variant {
  label: string
  /** How many times each frame is sent (2: every message arrives twice and one copy is dropped). */
  copies: number
}

const VARIANTS: Variant[] = [
  { label: 'every message new', copies: 1 },
  { label: 'every message twice (half dropped by dedup)', copies: 2 },
]

/**
 * Messages per second that `RealtimeClient` parses (JSON text), dedups by position and hands to a
 * channel handler, with the network replaced by an in-process WebSocket.
 */
async function measure(profile: Profile, copies: number): Promise<{ framesPerSecond: number; deliveredPerSecond: number }[]> {
  const client = new RealtimeClient({ url: 'http://bench.invalid', WebSocket: InProcessWebSocket as unknown as typeof WebSocket, transports: ['websocket'], storage: null, getToken: () => 'token' })
  const channel = client.channel('leaderboard')
  let delivered = 0
  let checksum = 0
  channel.on('tick', (data) => {
    delivered += 1
    checksum += (data as { seq: number }).seq
  })
  channel.subscribe()
  client.connect()
  try {
    if (!(await waitUntil(() => channel.state.status === 'subscribed', 5000, 1))) throw new Error('in-process client did not subscribe')
    const socket = InProcessWebSocket.latest!
    const runs = []
    let offset = 0
    for (let run = 0; run < profile.clientRuns; run++) {
      const frames: string[] = []
      for (let index = 0; index < profile.clientMessages; index++) {
        offset += 1
        const frame = JSON.stringify({ type: 'message', channel: 'leaderboard', event: 'tick', data: { seq: offset, text: 'x'.repeat(64) }, pos: { epoch: 'bench', offset } })
        for (let copy = 0; copy < copies; copy++) frames.push(frame)
      }
      const before = delivered
      const started = performance.now()
      for (const frame of frames) socket.push(frame)
      const seconds = (performance.now() - started) / 1000
      if (delivered - before !== profile.clientMessages) throw new Error(`delivered ${delivered - before} of ${profile.clientMessages} messages`)
      runs.push({ framesPerSecond: frames.length / seconds, deliveredPerSecond: profile.clientMessages / seconds })
    }
    if (checksum <= 0) throw new Error('handler saw no data')
    return runs
  } finally {
    client.disconnect()
  }
}

export async function runClientThroughputSuite(profile: Profile): Promise<BenchSection> {
  const rows: string[][] = []
  for (const variant of VARIANTS) {
    const runs = await measure(profile, variant.copies)
    rows.push([
      variant.label,
      whole(profile.clientMessages * variant.copies),
      whole(median(runs.map((run) => run.framesPerSecond))),
      whole(median(runs.map((run) => run.deliveredPerSecond))),
      fixed(1e6 / median(runs.map((run) => run.framesPerSecond)), 2),
    ])
  }
  return {
    title: 'Client throughput (RealtimeClient in Node)',
    markdown: [
      `One \`RealtimeClient\` subscribed to one channel with one handler, its WebSocket replaced by an in-process fake (no network): each run pushes ${whole(profile.clientMessages)} pre-serialized message frames (about 190 bytes) through \`onmessage\` synchronously and checks that every message reached the handler once. Median of ${profile.clientRuns} runs, on the main benchmark process (not pinned).`,
      '',
      markdownTable(['Stream', 'Frames per run', 'Frames parsed/s', 'Messages delivered/s', 'µs per frame'], rows),
    ].join('\n'),
    goals: [],
    failures: [],
  }
}
