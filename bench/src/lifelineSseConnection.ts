import { Agent, request, type IncomingMessage } from 'node:http'
import { BENCH_CHANNEL } from './benchServer'
import type { BenchConnection, ConnectionOptions } from './benchConnection'

/** Keep-alive sockets for the upstream POSTs (ticket, subscribe), shared by all connections. */
const postAgent = new Agent({ keepAlive: true, maxSockets: 64 })

function post(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent: postAgent, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => (response.statusCode! < 300 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${response.statusCode} ${text}`))))
    })
    outgoing.on('error', reject)
    outgoing.end(JSON.stringify(body))
  })
}

/** Calls `onData` with the `data:` payload of each event in a `text/event-stream` response. */
function readEvents(response: IncomingMessage, onData: (data: string) => void): void {
  let buffer = ''
  response.setEncoding('utf8')
  response.on('data', (chunk: string) => {
    buffer += chunk
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      for (const line of buffer.slice(0, end).split('\n')) if (line.startsWith('data: ')) onData(line.slice(6))
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
    }
  })
}

/** A minimal Lifeline protocol client over SSE: ticket, stream, subscribe by upstream POST. */
export async function connectLifelineSse({ url, token, onTick }: ConnectionOptions): Promise<BenchConnection> {
  const authorization = `Bearer ${token}`
  const { ticket } = (await post(`${url}/sse/ticket`, { authorization }, { id: 1, type: 'connect', v: 1 })) as { ticket: string }
  return new Promise((resolve, reject) => {
    const stream = request(`${url}/sse?ticket=${encodeURIComponent(ticket)}`, { agent: false, headers: { accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`))
      readEvents(response, (data) => {
        const frame = JSON.parse(data)
        if (frame.type === 'message') onTick(frame.data)
        else if (frame.type === 'reply' && !frame.ok) reject(new Error(`${frame.error.code}: ${frame.error.message}`))
        else if (frame.type === 'reply' && frame.id === 1) {
          const headers = { authorization, 'lifeline-session': frame.result.session }
          post(`${url}/sse/send`, headers, { id: 2, type: 'subscribe', channel: BENCH_CHANNEL }).catch(reject)
        } else if (frame.type === 'reply' && frame.id === 2) resolve({ close: () => stream.destroy() })
      })
      response.on('close', () => reject(new Error('stream closed')))
    })
    stream.on('error', reject)
    stream.end()
  })
}
