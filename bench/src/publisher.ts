// A publisher that serves no clients, in its own process: it sends each tick to a server's HTTP
// publish API (`POST /publish`), as an app's backend would, on a drift-free schedule.
import { Agent, request } from 'node:http'
import { serveParent } from './childProcess'
import { BENCH_API_KEY, BENCH_CHANNEL, BENCH_EVENT, TICK_FILLER } from './benchServer'
import { monotonicMicros, sleep } from './stats'

/**
 * An idle pooled connection is dropped after this long, well before the server's keep-alive timeout
 * (Node's 5 s): a request on a connection the server is closing at that moment fails with ECONNRESET.
 */
const FREE_SOCKET_MS = 1000

/**
 * Keep-alive connections, as many as publishes in flight, like a backend's HTTP client pool. One
 * connection would serialize the publishes: each request would wait for the answer to the one
 * before (the server answers once it has fanned the message out), and under load the queue, not
 * the server, would set the latency.
 */
const agent = new Agent({ keepAlive: true, timeout: FREE_SOCKET_MS })
let seq = 0

function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}/publish`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_API_KEY}` } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`POST /publish answered ${response.statusCode}: ${text}`))))
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/**
 * Publishes `count` ticks to `url`, one every `intervalMs`. Each tick is stamped right before its
 * request leaves, so the latency the clients measure includes the HTTP hop. Answers the first
 * and last publish times (monotonic µs).
 */
async function publish({ url, count, intervalMs }: { url: string; count: number; intervalMs: number }): Promise<{ first: number; last: number }> {
  const pending: Promise<void>[] = []
  // A failed publish fails the phase, after the schedule: never an unhandled rejection meanwhile.
  let failure: Error | undefined
  const startedAt = performance.now()
  let first = 0
  let last = 0
  for (let index = 0; index < count; index++) {
    const due = startedAt + index * intervalMs - performance.now()
    if (due > 0) await sleep(due)
    last = monotonicMicros()
    if (index === 0) first = last
    const sent = post(url, JSON.stringify({ channel: BENCH_CHANNEL, event: BENCH_EVENT, data: { seq: ++seq, t: last, text: TICK_FILLER } }))
    pending.push(sent.catch((error: Error) => void (failure ??= error)))
  }
  await Promise.all(pending)
  if (failure) throw failure
  return { first, last }
}

serveParent({
  publish: (args) => publish(args as { url: string; count: number; intervalMs: number }),
})
