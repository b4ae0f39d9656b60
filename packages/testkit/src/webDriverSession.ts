/**
 * The few commands of classic WebDriver (W3C) that the tests use, over `fetch`: a session, windows,
 * navigation, script and screenshots. Smaller and easier to follow than a WebDriver client package,
 * and there is nothing else to drive WebKitGTK with.
 */
export class WebDriverError extends Error {
  override name = 'WebDriverError'
  constructor(
    /** The WebDriver error code, e.g. `javascript error`, `no such window`. */
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface WebDriverSession {
  readonly id: string
  readonly capabilities: Record<string, unknown>
  /**
   * Runs `commands` with `handle` as the current window. Classic WebDriver sends every command to
   * the current window, so calls are queued: one page's commands never land in another's window.
   */
  inWindow<T>(handle: string, commands: () => Promise<T>): Promise<T>
  /** One command, e.g. `command('POST', '/url', { url })`; resolves with its `value`. */
  command<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>
  delete(): Promise<void>
}

async function call<T>(url: string, method: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let value: unknown
  try {
    value = (JSON.parse(text) as { value: unknown }).value
  } catch {
    throw new WebDriverError('unknown error', `${method} ${url}: HTTP ${response.status} ${text.slice(0, 500)}`)
  }
  if (!response.ok) {
    const { error = 'unknown error', message = text } = (value ?? {}) as { error?: string; message?: string }
    throw new WebDriverError(error, `${method} ${new URL(url).pathname}: ${error}: ${message}`)
  }
  return value as T
}

/** Opens a session on the WebDriver server at `driverUrl` (`http://127.0.0.1:port`). */
export async function newSession(driverUrl: string, alwaysMatch: Record<string, unknown>): Promise<WebDriverSession> {
  const { sessionId, capabilities } = await call<{ sessionId: string; capabilities: Record<string, unknown> }>(`${driverUrl}/session`, 'POST', { capabilities: { alwaysMatch } })
  const base = `${driverUrl}/session/${sessionId}`
  let queue: Promise<unknown> = Promise.resolve()
  let current: string | undefined
  const command = <T>(method: string, path: string, body?: unknown) => call<T>(`${base}${path}`, method, body)
  return {
    id: sessionId,
    capabilities,
    command,
    inWindow(handle, commands) {
      const run = queue.then(async () => {
        if (current !== handle) {
          await command('POST', '/window', { handle })
          current = handle
        }
        return commands()
      })
      queue = run.catch(() => undefined)
      return run
    },
    async delete() {
      await queue
      await command('DELETE', '')
    },
  }
}
