import type { Profile } from './profile'

/** The method section of RESULTS.md: how each figure is produced, each fairness choice, and what it does not say. */
export const method = (profile: Profile) => `- **One command, one run.** \`pnpm bench\` bundles the programs in \`bench/src\` with esbuild
  (Lifeline from its TypeScript sources via the \`@lifeline/source\` condition, so the working tree is
  what gets measured; the other libraries load from \`node_modules\` as published), runs every suite
  in sequence and rewrites this file. All traffic is on 127.0.0.1. Every wait has a bound; a bound
  that passes shows up as "Lost" or as a failure, never as a hang. Any contender that fails, loses
  or duplicates a message, or does not connect every client, is listed under the targets and makes
  the run exit non-zero; \`pnpm bench:smoke\` (small sizes, two repetitions, Chromium only, shorter
  client timers in the browser) does the same in CI, so a broken contender fails the build.
- **A shared machine.** The run shared its 2 cores with other engineers' test runs (see the load
  average above: above 2 means processes were waiting for a core). Pinning keeps the benchmark's
  own processes apart, not the others' off our cores. Hence repetitions, interleaving and spreads:
  read the ratios and differences within a round, not absolute figures.
- **Processes and cores.** Each server under test is a Node process under \`taskset -c 0\`; each
  contender's clients live in one Node process under \`taskset -c 1\`; the orchestrating process,
  Redis, nginx and the browsers are not pinned.
- **The same kind of load client for every contender.** Every contender's clients are minimal
  protocol clients written for this benchmark, thousands in one process: over \`ws\` for Lifeline
  (connect, subscribe, pong), socket.io (the Engine.IO v4 WebSocket handshake, \`40\` to join the
  default namespace, events as \`42[…]\`, \`3\` for each ping) and the raw loops (bare \`ws\`);
  over \`node:http\` for Lifeline's SSE (ticket, stream, subscribe by upstream POST). Each parses
  one JSON text per message. The official clients (\`RealtimeClient\`, \`socket.io-client\`) would put
  different per-message costs on the one client core, which every latency here waits on, and 5,000
  of them would make the client core the bottleneck; the client's own cost is measured separately
  (client throughput, and the browser section).
- **Payload.** Every server broadcasts the same payload (\`{seq, t, text}\`, about 100 bytes of
  JSON) to one channel or room every client joined; each protocol wraps it in its own envelope
  (Lifeline's message frame adds type, channel, event and position, about 100 bytes; socket.io's
  about 10; the raw loops' about 25).
- **Contenders and baselines with the same batching.** The Lifeline mock server as shipped (JWT
  auth, channel rules, positions and history in the in-memory broker, send-buffer checks; published
  with \`server.publish()\`, what \`POST /publish\` calls). Two raw \`ws\` loops that serialize once and
  call \`socket.send\` on every open socket (no protocol, auth or history): as written naively, and
  with the per-turn batching Lifeline's WebSocket link does (within one event-loop turn the first
  message to a socket is written at once, later ones wait corked and leave together at the end of
  the turn). The batched loop is the fair practical limit and the CPU goals are judged against it;
  the naive loop shows what batching alone is worth. socket.io 4 with \`io.emit\` (encodes once per
  broadcast), WebSocket transport only.
- **Phases.** After the clients connected and subscribed, 5 warm-up publishes (every delivery must
  arrive), then per repetition a fixed-rate phase and a burst phase. The fixed-rate phase offers the
  same deliveries per second at every client count (publishes on a drift-free schedule, one every
  clients ÷ rate seconds), at least ${profile.minPublishes} publishes, well below what the one client core drains; the
  burst phase publishes back to back in one turn of the event loop, at least ${profile.minPublishes} publishes.
  *Delivered msg/s* is deliveries received ÷ the phase's duration: from the first publish to the end
  of the last publish's slot (n publishes at interval T take n × T) or to the last receipt if that
  came later; a burst ends at the last receipt. (Earlier versions divided by first publish to last
  receipt, about (n − 1) × T for a fixed-rate phase: with 3 publishes a second apart that reported
  7,248 msg/s delivered against 5,000 offered.)
- **Repetitions, interleaved.** At each size every contender is connected first (each in its own
  pair of pinned processes; the idle ones cost next to nothing), then the phases run in rounds, each
  round in a rotated order (A B C D E, B C D E A, …), ${profile.repetitions} rounds. A figure is the median over the
  rounds with the min–max in brackets. A ratio or difference between two contenders is taken round
  by round (their phases ran seconds apart, under the same load) and then spread the same way.
- **Verdicts.** "Met" only when the target holds for every round (the worst reading), "missed"
  when it fails for every round, otherwise "unclear". Bundle sizes are exact and judged once.
- **Server CPU per delivery.** \`process.cpuUsage()\` (user + system) of the server process(es),
  from just before the first publish until every delivery of the phase was received, divided by
  the deliveries received: *all server CPU*. It includes what the process does whether or not it
  publishes: heartbeats (Lifeline sends a ping frame and a WebSocket ping per connection every 25 s
  and reads both answers, socket.io one ping, the raw loops nothing) and timers. That part grows
  with connections × phase duration, not with deliveries, so each contender's idle CPU rate is
  measured in every round (${profile.idleWindowMs} ms with every client connected, nothing
  published, just before its fixed-rate phase) and its median over the rounds × the phase's
  duration is subtracted: *fan-out CPU*, the cost of delivering. On this machine the idle rate is
  small (see the idle figures), so the two barely differ. The CPU goals are judged on fan-out CPU,
  with all server CPU beside. Both include, at a fixed rate, the cost of waking up between
  publishes.
- **Latency.** The publisher stamps each message with \`process.hrtime.bigint()\` (µs) right before
  the publish call (or, across replicas, before its HTTP request leaves); the client process reads
  the same clock on receipt. On Linux that is \`CLOCK_MONOTONIC\`, one system-wide clock, so no
  offset estimation is needed. Latency includes the server's send loop and the client process
  draining its queue on one core (one publish to 5,000 sockets is 5,000 socket reads and JSON
  parses there), so p50 is roughly half of what the client core needs for one broadcast: compare
  contenders at the same client count. Percentiles are exact to 0.01 ms over every delivery of a
  phase (histograms of 10 µs buckets, merged across client groups). *Fastest delivery* is, per
  publish, its first delivery: the pipeline without the client core's queue.
- **Memory per idle connection** (at the largest size). Server RSS, the V8 heap's committed size
  and heap used + external (which counts \`ws\` buffers), after three \`gc()\` calls
  (\`--expose-gc\`), read after half the clients connected and subscribed, then after each of ${profile.memorySteps}
  equal steps of the rest, every contender idle ${profile.memoryIdleMs / 1000} s before each reading (V8's memory reducer hands
  back what the handshakes used only briefly). Each step's growth ÷ its clients is one reading of
  the marginal cost of an idle connection; the spread is over the ${profile.memorySteps} steps, the difference to raw
  \`ws\` is taken step by step. The goal is judged on heap used + external (KB = 1,000 bytes): the native
  part of a socket (its libuv handle, kernel buffers) is the same \`net.Socket\` under every contender,
  while RSS moves in allocator and heap-page steps far larger than one step's growth (see the RSS
  column, which is shown beside it).
- **Across replicas.** Equal client groups, a publisher that serves no clients, interleaved
  repetitions and ${profile.replicaPublishes} publishes per repetition: see that section.
- **In the browser.** Real Chromium, Firefox and WebKitGTK through a real nginx: see that section.`
