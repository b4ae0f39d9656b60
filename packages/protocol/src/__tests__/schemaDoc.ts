/**
 * Reads docs/protocol.md the way its tests need it: code blocks with the marker comment above each,
 * HTTP transcripts, frame conversations, tables and heading anchors. Parsing only; the checks are in
 * schemaDocs.test.ts.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const DOC_PATH = fileURLToPath(new URL('../../../../docs/protocol.md', import.meta.url))
export const doc = readFileSync(DOC_PATH, 'utf8')

export interface CodeBlock {
  /** The text of the `<!-- … -->` comment on the line right above the fence, or `''`. */
  marker: string
  language: string
  code: string
  /** 1-based line of the opening fence, for failure messages. */
  line: number
}

export function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => {
    const before = markdown.slice(0, match.index).split('\n')
    const above = before[before.length - 2] ?? ''
    return { marker: /^<!-- (.+) -->$/.exec(above)?.[1] ?? '', language: match[1]!, code: match[2]!, line: before.length }
  })
}

/** The lines of a block with their line numbers in the file, blank ones left out. */
export const linesOf = (block: CodeBlock): [line: number, text: string][] =>
  block.code
    .split('\n')
    .map((text, index): [number, string] => [block.line + 1 + index, text])
    .filter(([, text]) => text.trim() !== '')

export interface HttpMessage {
  line: number
  /** `POST /poll` for a request, the status for a response. */
  method?: string
  target?: string
  status?: number
  /** Lower-case names. */
  headers: Map<string, string>
  body: string
}

const REQUEST_LINE = /^([A-Z]+) (\/\S*) HTTP\/1\.1$/
const STATUS_LINE = /^HTTP\/1\.1 (\d{3}) .+$/

/** Requests and responses of an HTTP transcript, in order. */
export function httpMessages(block: CodeBlock): HttpMessage[] {
  const messages: HttpMessage[] = []
  let current: HttpMessage | undefined
  let inBody = false
  block.code.split('\n').forEach((text, index) => {
    const request = REQUEST_LINE.exec(text)
    const status = STATUS_LINE.exec(text)
    if (request || status) {
      current = { line: block.line + 1 + index, headers: new Map(), body: '' }
      if (request) [current.method, current.target] = [request[1], request[2]]
      else current.status = Number(status![1])
      messages.push(current)
      inBody = false
    } else if (!current) {
      if (text.trim()) throw new Error(`docs/protocol.md:${block.line + 1 + index}: an HTTP transcript must start with a request or status line`)
    } else if (inBody) current.body += `${text}\n`
    else if (text === '') inBody = true
    else {
      const header = /^([\w-]+): (.*)$/.exec(text)
      if (!header) throw new Error(`docs/protocol.md:${block.line + 1 + index}: not a header line: ${text}`)
      current.headers.set(header[1]!.toLowerCase(), header[2]!)
    }
  })
  for (const message of messages) message.body = message.body.trim()
  return messages
}

export interface SseEvent {
  id?: string
  data?: string
  retry?: string
  comment?: string
}

/** The events of a `text/event-stream` body. */
export function sseEvents(body: string): SseEvent[] {
  return body.split(/\n{2,}/).map((chunk) => {
    const event: SseEvent = {}
    for (const line of chunk.split('\n')) {
      if (line.startsWith(':')) event.comment = line.slice(1).trim()
      else {
        const field = /^(id|data|retry): (.*)$/.exec(line)
        if (!field) throw new Error(`Not an SSE field line: ${line}`)
        event[field[1] as 'id' | 'data' | 'retry'] = field[2]!
      }
    }
    return event
  })
}

/** The rows of the `nth` table (from 0) after the heading `heading`, as header name → cell text. */
export function tableAfter(markdown: string, heading: string, nth = 0): Record<string, string>[] {
  const lines = markdown.split('\n')
  let start = lines.indexOf(heading)
  if (start < 0) throw new Error(`docs/protocol.md has no heading "${heading}"`)
  const rows: string[][] = []
  for (let table = 0; table <= nth; table++) {
    rows.length = 0
    start = lines.findIndex((line, index) => index > start && line.startsWith('|'))
    if (start < 0) throw new Error(`docs/protocol.md has no table ${nth} after "${heading}"`)
    for (; start < lines.length && lines[start]!.startsWith('|'); start++) rows.push(lines[start]!.slice(1, -1).split('|').map((cell) => cell.trim()))
  }
  const [names, , ...body] = rows
  return body.map((cells) => Object.fromEntries(names!.map((name, index) => [name, cells[index] ?? ''])))
}

/** The anchors GitHub gives the headings of `markdown` (repeated headings get `-1`, `-2`, …). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  const withoutCode = markdown.replace(/^```[\s\S]*?^```$/gm, '')
  for (const [, title] of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = title!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

/** `` `text` `` → `text`; other cells unchanged. */
export const unquote = (cell: string): string => /^`(.*)`$/.exec(cell)?.[1] ?? cell
