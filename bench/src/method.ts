/** The method section of RESULTS.md: how each figure is produced, and what it does not say. */
export const METHOD = `- **One command, one run.** \`pnpm bench\` bundles the programs in \`bench/src\` with esbuild
  (Lifeline from its TypeScript sources via the \`@lifeline/source\` condition, so no \`pnpm build\` is
  needed and the working tree is what gets measured; the other libraries load from
  \`bench/node_modules\` as published), runs every suite in sequence and rewrites this file. All
  traffic is on 127.0.0.1. Every wait has a bound; a bound that passes shows up as "Lost", never as a hang.
- **Processes and cores.** For the fan-out and replica runs, each server is a separate Node process
  started under \`taskset -c 0\`, and all benchmark clients live in one Node process under
  \`taskset -c 1\`; the orchestrating process (and Redis) are not pinned. Lifeline's fan-out clients
  speak the protocol directly over \`ws\` (connect, subscribe, pong) or raw HTTP (SSE ticket, stream,
  subscribe by upstream POST) rather than running 5,000 \`RealtimeClient\`s, so the client core is
  not the bottleneck; socket.io's clients are \`socket.io-client\` (WebSocket transport only); the raw
  loop's clients are bare \`ws\`. Every server broadcasts the same payload (\`{seq, t, text}\`, about 100
  bytes of JSON) to one channel / room that every client joined; each protocol wraps it in its own
  envelope (Lifeline's frame adds type, channel, event and position, about 100 bytes; socket.io's
  about 10; the raw loop's about 25).
- **Contenders.** The Lifeline mock server as shipped (auth by JWT, channel rules, positions and
  history in the in-memory broker, per-connection send-buffer check; published with
  \`server.publish()\`, which is what \`POST /publish\` calls). The raw \`ws\` loop serializes once and
  calls \`socket.send\` on every open socket: the practical limit, with no protocol, auth or history.
  socket.io 4 with \`io.emit\` (encodes once per broadcast), WebSocket transport only.
- **Phases.** After the clients connected and subscribed, a warm-up burst of 5 publishes (not
  counted), then the fixed-rate phase and the burst phase, repeated; each figure is the median over
  the repetitions. The fixed-rate phase offers the same deliveries per second at every client count
  (publishes on a drift-free schedule, rate = offered deliveries ÷ clients), kept below what the one
  client core can drain so that latency is not only client backlog; the burst phase publishes back
  to back in one loop. *Delivered msg/s* = deliveries received ÷ (last receipt − first publish): in
  the fixed-rate phase it is bounded by the offered rate; in the burst phase it is the throughput of
  the whole pipeline, which on this machine is often limited by the client core, not the server.
- **Server CPU per delivery.** \`process.cpuUsage()\` (user + system) in the publishing server
  process, from just before the first publish until every delivery of the phase was received (or the
  bound passed), divided by the deliveries received. It includes everything the process did in that
  window (JSON, socket writes, GC, timers, and protocol heartbeats: Lifeline and socket.io ping every
  25 s per connection, the raw loop never does). The fixed-rate figure also carries the cost of
  waking up between publishes, so it is higher than the burst figure for every contender.
- **Latency clocks.** The publisher stamps each message with \`process.hrtime.bigint()\` (in µs) right
  before handing it to the server's publish call; the client process reads the same clock on receipt.
  On Linux \`process.hrtime\` is \`CLOCK_MONOTONIC\`, one system-wide clock that every process on the
  machine reads (kept consistent across cores by the kernel), so the two readings need no offset
  estimation or NTP: the difference is the publish-to-receive latency. It includes the server's send
  loop (the last of 5,000 sockets waits for the 4,999 before it) and the client process working
  through its queue on one core: one publish to 5,000 sockets is 5,000 socket reads and JSON parses
  in the client process, so p50 is roughly half the time the client core needs to drain one
  broadcast. Compare latencies between contenders at the same client count, not with a browser's.
  p50/p99/max are over all deliveries of a phase (nearest rank), then the median over repetitions.
- **Memory per idle connection.** In the server process, after three \`gc()\` calls (\`--expose-gc\`):
  RSS, the V8 heap's committed size (\`heapTotal\`) and heap used + external (\`heapUsed + external\`,
  which counts \`ws\` buffers), read once half the clients are connected and subscribed and again
  once all are, each time after every contender of that size has idled 10 s; the growth divided by
  the second half's count. That is the marginal cost of one more idle connection: the first half
  absorbs one-off growth (V8 enlarging its heap, code compiled on first use), and the idle time lets
  V8's memory reducer return what the handshake storm used only briefly (read right after the
  storm, RSS per connection was 2–3× higher for the contenders with the busiest handshakes). RSS is
  what the goal is judged on (KB = 1,000 bytes); it includes allocator slack, so it is the
  conservative figure.
- **Ratios** (CPU per delivery against raw \`ws\` and socket.io) come from one \`pnpm bench\` run: at
  each client count all four contenders are connected first (each in its own pair of pinned
  processes, the idle ones costing next to nothing), then their phases run interleaved (A B C D, A B
  C D, …), so a change in the load from the rest of the machine hits every contender alike.
- **Shared machine.** The reference run of this file shared its 2 cores with other workers (see the
  load average above): absolute figures are noisy and pinning only keeps our own processes apart.
  Ratios within the run, and medians, are the figures to read.`
