import type { EngineResult } from './browserStage'
import { markdownTable, whole } from './markdownTable'
import type { Profile } from './profile'
import { showSpread, spreadOf } from './spread'

/** The section's markdown: connect() to first message per proxy mode, then the mid-session cases. */
export function renderBrowser(profile: Profile, results: EngineResult[]): string {
  const firstRows = results.flatMap((result) =>
    result.firstMessage.map((row) => [`${result.engine} ${result.version ?? ''}`.trim(), row.mode.name, [...row.transports].join(', ') || 'n/a', whole(row.times.length), showSpread(spreadOf(row.times), 0)]),
  )
  const sessionRows = results.map((result) => [
    `${result.engine}${result.error ? ` (failed: ${result.error})` : ''}`,
    showSpread(spreadOf(result.detected), 0),
    showSpread(spreadOf(result.recovered), 0),
    showSpread(spreadOf(result.backOnWebSocket), 0),
    result.tabs ? `${result.tabs.connections} for ${result.tabs.tabs} tabs; with tab sharing ${result.tabs.shared}` : 'n/a',
  ])
  return [
    `Real browsers driven by @lifeline/testkit (${profile.browserEngines.join(', ')}; each page in its own window, never a throttled background tab) load a page from the mock server through a private nginx (Debian's package) running the docs' configuration (\`docs/nginx\`) or a broken variant of it. The page runs \`RealtimeClient\` bundled from its sources for the browser, with ${Object.keys(profile.browserClientOptions).length ? `the options \`${JSON.stringify(profile.browserClientOptions)}\`` : 'default options'} and \`storage: null\` (every run is a first visit); each page first makes one untimed run. The mock server publishes one message right after each subscription. Everything is on loopback, in the benchmark process and its children (not pinned): ${profile.browserRuns} run(s) per case of connect() to first message, ${profile.browserEngines.map((engine) => `${profile.browserSlowRuns[engine]} in ${engine}`).join(', ')} of each mid-session case; median (min–max).`,
    '',
    '### connect() to the first message',
    '',
    markdownTable(['Browser', 'Proxy', 'Ended on', 'Runs', 'ms'], firstRows),
    '',
    '### Mid-session',
    '',
    'Here nginx (the docs\' configuration) passes everything to a fault proxy in front of the server. *Silent link*: connected over WebSocket, then the fault proxy swallows every byte of the open connections without closing them (a lost NAT mapping, a sleeping laptop); times from that moment until the client reports the connection lost (it pings once the link has been quiet for most of `livenessMs`, 10 s by default, and gives up at 10 s) and until a message arrives again over a new connection. *Proxy fixed*: the fault proxy refuses upgrades (403) until the client runs on SSE, then passes them again; time until the client is back on WebSocket (on landing on SSE it probes WebSocket at once, which the proxy still refuses unless it was fixed in that moment, then again after a jittered 2.5–5 s, `upgradeDelay`, doubling while it fails). *Tabs*: server sessions holding a channel while N tabs of one browser each run a client subscribed to it, each tab on its own and with \`share: tabSharing({ key })\` (\`@lifeline/client/tabs\`); every tab must then receive a message published on that channel.',
    '',
    markdownTable(['Browser', 'Silent link noticed after, ms', 'Messages again after, ms', 'Back on WebSocket after the fix, ms', 'Server connections'], sessionRows),
  ].join('\n')
}
