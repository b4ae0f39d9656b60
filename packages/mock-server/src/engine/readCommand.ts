import { parseCommand, type ParsedCommand } from '@lifeline/protocol'

/** The frame's `id` when it is JSON with a usable one, so the refusal can be that command's reply. */
function idOf(text: string): { id?: number } {
  try {
    const id = (JSON.parse(text) as { id?: unknown } | null)?.id
    return Number.isSafeInteger(id) && (id as number) >= 0 ? { id: id as number } : {}
  } catch {
    return {}
  }
}

/**
 * `parseCommand` for a client's frame, which never throws. The parser itself can: it names an
 * unknown `type` in its message with `JSON.stringify`, which overflows the stack on a type nested
 * some ten thousand levels deep (a 60 KB frame, well within the size limit). Over WebSocket that
 * throw escaped the socket's message event as an uncaught exception; over HTTP it was a 500.
 */
export function readCommand(text: string, maxFrameBytes: number): ParsedCommand {
  try {
    return parseCommand(text, maxFrameBytes)
  } catch {
    return { ok: false, ...idOf(text), error: { code: 'BAD_REQUEST', message: 'Frame could not be read: a value in it is nested too deeply' } }
  }
}
