import type { Engine } from './engines'

/** Size of a new page's viewport (WebKit: of its window, toolbar included). */
export interface PageOptions {
  /** @default 1360 */
  width?: number
  /** @default 900 */
  height?: number
}

export const DEFAULT_PAGE_SIZE = { width: 1360, height: 900 }

export interface WaitForOptions<A> {
  /** Passed to the predicate (it runs in the page and sees none of the test's variables). */
  arg?: A
  /**
   * How long the predicate may stay falsy before `waitFor` rejects.
   * @default 20_000
   */
  timeoutMs?: number
}

/** A page function: runs in the page, so it may use only its argument and the page's globals. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>

/**
 * One tab of a {@link Browser}, in its own window so it is never a throttled background tab.
 * Values cross between the test and the page as JSON (`undefined` properties are dropped).
 */
export interface Page {
  readonly engine: Engine
  /** Loads `url` and resolves once it fired `load` (a change of the hash alone does not reload). */
  goto(url: string): Promise<void>
  /** Evaluates an expression in the page and resolves with its (awaited) value. */
  evaluate<R>(expression: string): Promise<R>
  /** Calls `fn(arg)` in the page and resolves with its (awaited) value. */
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<Awaited<R>>
  /**
   * Calls `fn(arg)` in the page until it returns something truthy, and resolves with that; rejects
   * with the last value after `timeoutMs`. The polling runs inside the page: one round trip.
   * `fn` may also be a function's source text, to build one from parts.
   */
  waitFor<R, A = undefined>(fn: PageFunction<A, R> | string, options?: WaitForOptions<A>): Promise<Awaited<R>>
  /** Writes a PNG of the page: the whole page in Chromium and Firefox, the viewport in WebKit. */
  screenshot(path: string): Promise<void>
  /**
   * Uncaught errors, unhandled rejections and `console.error` messages of the page so far. WebKit
   * (classic WebDriver cannot run a script before the page's own) records them from the end of
   * each `goto` on; Chromium and Firefox from the start of each document.
   */
  errors(): Promise<string[]>
  close(): Promise<void>
}

/**
 * A browser with a fresh profile: its pages share cookies and storage, like the tabs of a user's
 * browser; launch another for a clean profile. `close()` kills every process it started.
 */
export interface Browser {
  readonly engine: Engine
  /** The version the browser reports, e.g. `156.0.8078.114`. */
  readonly version: string
  /** The process groups it runs in (for checking that nothing outlives `close()`). */
  readonly processGroups: readonly number[]
  /** The fresh profile directory of this launch; `close()` removes it. */
  readonly profileDir: string
  newPage(options?: PageOptions): Promise<Page>
  close(): Promise<void>
}

/** What an engine must provide for a page; {@link toPage} builds the rest on it. */
export interface PageDriver {
  goto(url: string): Promise<void>
  /** Evaluates a JavaScript expression in the page, awaiting a promise it yields. */
  run(expression: string): Promise<unknown>
  /**
   * Makes `script` run in every new document before the page's own scripts; resolves `false` when
   * the engine cannot (then it runs after each `goto`).
   */
  preload(script: string): Promise<boolean>
  screenshot(path: string): Promise<void>
  close(): Promise<void>
}

/**
 * Records uncaught errors, unhandled rejections and `console.error` calls in the page, the same
 * way in every engine (Chromium would also report failed requests as console errors).
 */
const ERROR_HOOK = `(() => {
  if (window.__testkitErrors) return
  const errors = (window.__testkitErrors = [])
  addEventListener('error', (event) => errors.push(event.message))
  addEventListener('unhandledrejection', (event) => errors.push(String((event.reason && event.reason.message) || event.reason)))
  const original = console.error
  console.error = function (...args) {
    errors.push(args.map(String).join(' '))
    return original.apply(this, args)
  }
})()`

const DEFAULT_WAIT_MS = 20_000
const POLL_MS = 50

/**
 * Polls `fn(arg)` in the page until it is truthy or the deadline passes. It is sent to the page
 * as source text, so it must stay self-contained.
 */
async function pollInPage(fn: (arg: unknown) => unknown, arg: unknown, timeoutMs: number, pollMs: number) {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  let failure: string | undefined
  for (;;) {
    try {
      last = await fn(arg)
      failure = undefined
      if (last) return { done: true, value: last }
    } catch (error) {
      failure = String(error)
    }
    if (Date.now() >= deadline) return { done: false, value: last, failure }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

/** `value` as a JavaScript literal (JSON has no `undefined`). */
const literal = (value: unknown) => (value === undefined ? 'undefined' : JSON.stringify(value))

/** The engine-independent part of a {@link Page}: evaluation of functions, `waitFor` and errors, over a driver. */
export async function toPage(engine: Engine, driver: PageDriver): Promise<Page> {
  const preloaded = await driver.preload(ERROR_HOOK)
  // Values cross as JSON text, so every engine returns the same thing: WebDriver would turn an
  // \`undefined\` property into \`null\`, the others drop it.
  const evaluate = async (expression: string) => {
    const text = (await driver.run(`Promise.resolve(${expression}).then((value) => JSON.stringify({ value }))`)) as string
    return (JSON.parse(text) as { value?: unknown }).value
  }
  const errors: string[] = []
  // Each document has its own list: read it before the page leaves it, and whenever asked.
  const collect = async () => {
    const fresh = (await driver.run('(window.__testkitErrors || []).splice(0)').catch(() => [])) as string[]
    errors.push(...fresh)
  }
  return {
    engine,
    async goto(url) {
      await collect()
      await driver.goto(url)
      if (!preloaded) await driver.run(ERROR_HOOK)
    },
    evaluate: ((fn: string | PageFunction<unknown, unknown>, arg?: unknown) => evaluate(typeof fn === 'string' ? fn : `(${fn.toString()})(${literal(arg)})`)) as Page['evaluate'],
    async waitFor(fn, { arg, timeoutMs = DEFAULT_WAIT_MS } = {}) {
      const result = (await evaluate(`(${pollInPage.toString()})(${fn.toString()}, ${literal(arg)}, ${timeoutMs}, ${POLL_MS})`)) as { done: boolean; value: unknown; failure?: string }
      if (result.done) return result.value as never
      const last = result.failure ? `it threw ${result.failure}` : `last value ${JSON.stringify(result.value)}`
      throw new Error(`waitFor: still falsy after ${timeoutMs} ms in ${engine} (${last}): ${fn.toString()}`)
    },
    screenshot: (path) => driver.screenshot(path),
    async errors() {
      await collect()
      return [...errors]
    },
    close: () => driver.close(),
  }
}
