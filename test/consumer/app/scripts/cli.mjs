// A consumer's Node script against the CLI from the tarball: start it on a free port, mint a token
// with it, connect a client over WebSocket, publish through the HTTP API, see the message arrive.
import { spawn, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { RealtimeClient } from '@lifeline/client'
import { WebSocket } from 'ws'

const bin = createRequire(import.meta.url).resolve('@lifeline/mock-server/package.json').replace(/package\.json$/, 'bin/lifeline-mock-server.js')
const cli = spawn(process.execPath, [bin, '--port', '0', '--api-key', 'consumer-key'], { stdio: ['ignore', 'pipe', 'inherit'] })
const stop = (code) => {
  cli.kill()
  process.exitCode = code
}
setTimeout(() => {
  console.error('timed out after 30 s')
  stop(1)
  process.exit(1)
}, 30_000).unref()

try {
  const url = await new Promise((resolve, reject) => {
    let output = ''
    cli.stdout.on('data', (chunk) => {
      output += chunk
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output)
      if (match) resolve(match[1])
    })
    cli.once('exit', (code) => reject(new Error(`lifeline-mock-server exited with ${code}: ${output}`)))
  })
  const token = execFileSync(process.execPath, [bin, 'token', '--sub', 'ada'], { encoding: 'utf8' }).trim()
  const client = new RealtimeClient({ url, WebSocket, transports: ['websocket'], storage: null, getToken: () => token })
  const received = new Promise((resolve) => client.channel('leaderboard').on('score', resolve))
  const subscribed = new Promise((resolve) => client.channel('leaderboard').onState((state) => state.status === 'subscribed' && resolve()))
  client.channel('leaderboard').subscribe()
  client.connect()
  await subscribed
  const response = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { authorization: 'Bearer consumer-key', 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'leaderboard', event: 'score', data: { user: 'ada', points: 3 } }),
  })
  if (!response.ok) throw new Error(`POST /publish answered ${response.status}: ${await response.text()}`)
  console.log('received', JSON.stringify(await received), 'on', client.getSnapshot().transport, 'from', url)
  client.disconnect()
  stop(0)
} catch (error) {
  console.error(error)
  stop(1)
}
