import { expect, it, vi } from 'vitest'
import { closeAfterTest } from '@lifeline/testkit/raw'
import { startRedis } from '@lifeline/testkit/tools'
import { listeningUrl, runCli } from '../server/runCli'
import { useIntegrationHooks } from '../server/support'
import { PATIENCE } from './support/patience'
import { recordingClient } from './support/recordingClient'
import { API_KEY, publishApi } from './support/replicas'

useIntegrationHooks()

const numbered = (count: number) => Array.from({ length: count }, (_, index) => index + 1)

it('three lifeline-mock-server processes on one Redis: clients of every process, on both transports, get every message once and in the same order, whichever process took it', async () => {
  const redis = await startRedis()
  closeAfterTest(() => redis.kill())
  const processes = [0, 1, 2].map(() => runCli(['--port', '0', '--redis', redis.url, '--api-key', API_KEY]))
  const urls = await Promise.all(processes.map(listeningUrl))
  const everyone = urls.flatMap((url) => [recordingClient({ url, transport: 'websocket' }), recordingClient({ url, transport: 'sse' })])
  closeAfterTest(() => everyone.forEach(({ client }) => client.disconnect()))
  for (const { client } of everyone) client.connect()
  await Promise.all(everyone.map((client) => client.join('board:1', 'move')))

  // Through every process at once: its HTTP publish API and the clients connected to it.
  const publishes: Promise<unknown>[] = []
  for (let n = 1; n <= 10; n++) {
    urls.forEach((url, index) => publishes.push(publishApi({ url }, { channel: 'board:1', event: 'move', data: { from: `api-${index}`, n } })))
    everyone.forEach(({ client }, index) => publishes.push(client.channel('board:1').publish('move', { from: `client-${index}`, n })))
  }
  await Promise.all(publishes)

  await vi.waitFor(() => {
    for (const client of everyone) expect(client.recording.app.get('board:1')).toHaveLength(publishes.length)
  }, PATIENCE)
  const order = everyone[0]!.recording.app.get('board:1')!
  expect(new Set(order.map((data) => JSON.stringify(data))).size).toBe(publishes.length)
  for (const client of everyone) {
    // On the wire, not only after the client's dedup: offsets 1…count, each once.
    expect(client.positions('board:1').map((position) => Number(position.split(':')[1]))).toEqual(numbered(publishes.length))
    expect(client.recording.app.get('board:1')).toEqual(order)
    expect(client.recording.gaps).toEqual([])
  }
})
