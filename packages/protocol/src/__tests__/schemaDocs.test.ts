/// <reference types="node" />
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLOSES, ERRORS, ROUTES, SESSION_HEADER, type ErrorCode, type ServerFrame } from '../index'
import { codeBlocks, doc, DOC_PATH, headingAnchors, httpMessages, linesOf, sseEvents, tableAfter, unquote, type CodeBlock, type HttpMessage } from './schemaDoc'
import { isValid, whyInvalid } from './schemaValidator'

// docs/protocol.md, the JSON Schema and the codes table define the protocol together: every example
// the doc prints must be valid, and every table of codes must say what the codes table says.

const blocks = codeBlocks(doc)
const at = (line: number) => `docs/protocol.md:${line}`

/** What the body of each request and answer is, per route (statuses ≥ 400 are `ErrorResponse`). */
const BODIES: Record<string, { request?: string; [status: number]: string }> = {
  'POST /sse/ticket': { request: 'ConnectRequest', 200: 'TicketAnswer' },
  'POST /poll/connect': { request: 'ConnectRequest', 200: 'PollConnectAnswer' },
  'POST /poll': { request: 'PollRequest', 200: 'PollBatch' },
  'POST /sse/send': { request: 'ClientFrame', 202: 'SendAnswer' },
  'POST /publish': { request: 'PublishApiRequest', 200: 'PublishApiAnswer' },
  'GET /healthz': { 200: 'Health', 503: 'Health' },
}
/** Routes whose requests carry `Authorization: Bearer`, and those that also name a session. */
const AUTHENTICATED = ['POST /sse/ticket', 'POST /poll/connect', 'POST /poll', 'POST /sse/send', 'POST /publish']
const IN_SESSION = ['POST /poll', 'POST /sse/send']

const routeOf = (path: string) => Object.values(ROUTES).find((route) => route.path === path)

interface Example {
  line: number
  value: unknown
}

/** Every JSON value the doc prints, wherever it is, checked against what it is meant to be. */
const examples: Example[] = []
const problems: string[] = []

function check(line: number, def: string, text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    problems.push(`${at(line)}: not JSON: ${text}`)
    return undefined
  }
  examples.push({ line, value })
  const why = whyInvalid(def, value)
  if (why) problems.push(`${at(line)}: ${text} is ${why}`)
  return value
}

function checkJsonBlock(block: CodeBlock, def: string): void {
  for (const [line, text] of linesOf(block)) check(line, def, text)
}

/** `C:` / `S:` lines: valid frames, one reply per command, and subscriptions that deliver from their cursor on. */
function checkConversation(block: CodeBlock): void {
  const open = new Map<number, Record<string, unknown>>()
  const cursors = new Map<string, { epoch: string; offset: number }>()
  for (const [line, text] of linesOf(block)) {
    const side = /^([CS]): (.*)$/.exec(text)
    if (!side) {
      problems.push(`${at(line)}: a conversation line starts with "C: " or "S: "`)
      continue
    }
    const frame = check(line, side[1] === 'C' ? 'ClientFrame' : 'ServerFrame', side[2]!) as Record<string, unknown> | undefined
    if (!frame) continue
    if (side[1] === 'C') {
      if (typeof frame.id === 'number') open.set(frame.id, frame)
      if (frame.type === 'subscribe') cursors.delete(frame.channel as string)
      continue
    }
    const server = frame as unknown as ServerFrame
    if (server.type === 'reply') {
      const command = open.get(server.id)
      if (!command) problems.push(`${at(line)}: a reply to ${server.id}, which is no command waiting for one`)
      open.delete(server.id)
      if (command?.type === 'subscribe' && server.ok) {
        const { position, recovered } = server.result as { position: { epoch: string; offset: number }; recovered: boolean }
        const since = command.since as { epoch: string; offset: number } | undefined
        if (since && recovered && (since.epoch !== position.epoch || since.offset !== position.offset)) problems.push(`${at(line)}: a recovered subscription's cursor is its since`)
        cursors.set(command.channel as string, position)
      }
    } else if (server.type === 'message') {
      const cursor = cursors.get(server.channel)
      if (!cursor) problems.push(`${at(line)}: a message of ${server.channel} before its subscribe reply`)
      else if (server.pos.epoch !== cursor.epoch || server.pos.offset !== cursor.offset + 1) problems.push(`${at(line)}: the message after ${JSON.stringify(cursor)} is at offset ${cursor.offset + 1} of that epoch`)
      else cursors.set(server.channel, server.pos)
    }
  }
  for (const id of open.keys()) problems.push(`${at(block.line)}: command ${id} gets no reply in the conversation`)
}

function checkRequest(request: HttpMessage, key: string): void {
  if (!AUTHENTICATED.includes(key)) return
  if (!/^Bearer \S+$/.test(request.headers.get('authorization') ?? '')) problems.push(`${at(request.line)}: ${key} carries Authorization: Bearer <token>`)
  if (IN_SESSION.includes(key) && !request.headers.has(SESSION_HEADER)) problems.push(`${at(request.line)}: ${key} carries Lifeline-Session`)
}

function checkResponse(request: HttpMessage, response: HttpMessage, key: string): void {
  const { status, line, body } = response
  const path = request.target!.split('?')[0]!
  const route = routeOf(path)
  if (status! >= 400 && !(key === 'GET /healthz' && status === 503)) {
    const answer = check(line + 1, 'ErrorResponse', body) as { error?: { code?: ErrorCode } } | undefined
    const code = answer?.error?.code
    if (code && ERRORS[code] && ERRORS[code].status !== status) problems.push(`${at(line)}: ${code} is HTTP ${ERRORS[code].status}, not ${status}`)
    if (!route && code !== 'NOT_FOUND') problems.push(`${at(line)}: ${path} is no route, so the answer is 404 NOT_FOUND`)
    if (route && !(route.methods as readonly string[]).includes(request.method!)) {
      if (code !== 'METHOD_NOT_ALLOWED') problems.push(`${at(line)}: ${key} is the wrong method for ${path}: 405 METHOD_NOT_ALLOWED`)
      const allow = (response.headers.get('allow') ?? '').split(',').map((method) => method.trim())
      if (allow.join() !== route.methods.join()) problems.push(`${at(line)}: Allow lists ${route.methods.join(', ')}`)
    }
    return
  }
  if (response.headers.get('content-type') === 'text/event-stream') return checkStream(response)
  const def = BODIES[key]?.[status!]
  if (!def) return void (body && problems.push(`${at(line)}: no body schema for ${key} ${status}`))
  const answer = check(line + 1, def, body) as { seq?: number; frames?: unknown[] } | undefined
  if (key === 'POST /poll' && answer) {
    const { ack } = JSON.parse(request.body) as { ack: number }
    if (answer.seq !== ack + (answer.frames?.length ?? 0)) problems.push(`${at(line)}: a batch after ack ${ack} holding ${answer.frames?.length} frames has seq ${ack + (answer.frames?.length ?? 0)}`)
  }
}

function checkStream(response: HttpMessage): void {
  for (const event of sseEvents(response.body)) {
    if (event.data === undefined) continue
    const frame = check(response.line, 'ServerFrame', event.data) as ServerFrame | undefined
    const id = frame?.type === 'message' ? `${frame.pos.epoch}:${frame.pos.offset}:${frame.channel}` : undefined
    if (frame && event.id !== id) problems.push(`${at(response.line)}: the event of ${event.data} has ${id ? `id: ${id}` : 'no id'}`)
  }
}

function checkHttp(block: CodeBlock): void {
  let request: HttpMessage | undefined
  for (const message of httpMessages(block)) {
    if (message.method) {
      request = message
      const key = `${message.method} ${message.target!.split('?')[0]}`
      checkRequest(message, key)
      const def = BODIES[key]?.request
      if (def) check(message.line, def, message.body)
      else if (message.body) problems.push(`${at(message.line)}: ${key} has no body`)
    } else if (!request) problems.push(`${at(message.line)}: an answer without its request`)
    else checkResponse(request, message, `${request.method} ${request.target!.split('?')[0]}`)
  }
}

for (const block of blocks) {
  const schemaMarker = /^schema: (\w+)$/.exec(block.marker)
  if (block.language === 'json') {
    if (schemaMarker) checkJsonBlock(block, schemaMarker[1]!)
    else problems.push(`${at(block.line)}: a json block needs <!-- schema: <def> --> above it`)
  } else if (block.language === 'http') checkHttp(block)
  else if (block.marker === 'conversation') checkConversation(block)
  else problems.push(`${at(block.line)}: a ${block.language || 'plain'} block the test does not read (json, http, or a conversation)`)
}

describe('docs/protocol.md', () => {
  it('prints only examples that are valid frames and bodies, consistent with each other', () => {
    expect(problems).toEqual([])
  })

  it('prints an example of every frame and HTTP body', () => {
    const shown = [
      ...['ConnectCommand', 'SubscribeCommand', 'UnsubscribeCommand', 'PublishCommand', 'RefreshCommand', 'PingCommand', 'PongFrame'],
      ...['ConnectReply', 'SubscribeReply', 'UnsubscribeReply', 'PublishReply', 'RefreshReply', 'ErrorReply'],
      ...['MessageFrame', 'PresenceFrame', 'PingFrame', 'ErrorFrame', 'DisconnectFrame', 'UnsubscribedFrame'],
      ...['ConnectRequest', 'TicketAnswer', 'PollConnectAnswer', 'PollRequest', 'PollBatch', 'SendAnswer', 'PublishApiRequest', 'PublishApiAnswer', 'ErrorResponse', 'Health'],
    ]
    expect(shown.filter((def) => !examples.some(({ value }) => isValid(def, value)))).toEqual([])
  })

  it("gives every error code the codes table's HTTP status, retryability and client action, in its order", () => {
    const rows = tableAfter(doc, '## Error codes').map((row) => [unquote(row.Code!), Number(row.HTTP), row.Retryable === 'yes', unquote(row['Client action']!)])
    expect(rows).toEqual(Object.entries(ERRORS).map(([code, { status, retryable, action }]) => [code, status, retryable, action]))
  })

  it("gives every close code the codes table's name, client action and reported error", () => {
    const rows = tableAfter(doc, '## Close codes').map((row) => [Number(row.Code), unquote(row.Name!), unquote(row['Client action']!), unquote(row['Reported as']!) || undefined])
    expect(rows).toEqual(Object.entries(CLOSES).map(([code, info]) => [Number(code), info.name, info.action, 'error' in info ? info.error : undefined]))
  })

  it('defines every client action the codes table uses', () => {
    const defined = tableAfter(doc, '## Close codes', 1).map((row) => unquote(row.Action!))
    const used = new Set([...Object.values(ERRORS), ...Object.values(CLOSES)].map(({ action }) => action))
    expect(defined.sort()).toEqual([...used].sort())
  })

  it('lists every route with each of its methods, and describes each under HTTP endpoints', () => {
    const listed = tableAfter(doc, '## Transports and endpoints').map((row) => unquote(row['Method and path']!))
    const routes = Object.values(ROUTES).flatMap(({ path, methods }) => methods.map((method) => `${method} ${path}`))
    expect(listed).toEqual(routes)
    const described = [...doc.matchAll(/^### `([A-Z]+ \/\S*)`$/gm)].map(([, route]) => route)
    expect(described).toEqual(routes)
  })

  it('links only to headings it has and files that exist', () => {
    const anchors = headingAnchors(doc)
    const broken = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map(([, anchor]) => anchor!).filter((anchor) => !anchors.has(anchor))
    expect(broken).toEqual([])
    const files = [...doc.matchAll(/\]\((\.\.\/[^)#]+)\)/g)].map(([, path]) => path!)
    expect(files).toContain('../packages/protocol/schema/protocol-v1.schema.json')
    expect(files.filter((path) => !existsSync(resolve(dirname(DOC_PATH), path)))).toEqual([])
  })

  it('names no section IDs of other documents', () => {
    expect(doc.match(/\([A-Z]\d+(, [A-Z]\d+)*\)/g)).toBeNull()
  })
})
